"""A store of hostile mentions: Markdown, HTML, directives and TeX that would fetch from LEAK if rendered, in every
field a page shows, plus text topics with hostile names. Used by the AppTest and Chromium tests of point 4."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from lib.sources.ingest import import_file
from lib.store.local import Store

LEAK_HOST = "leak.example"
LEAK = f"http://{LEAK_HOST}"
PAYLOADS = [
    f"![x]({LEAK}/md.png)",
    f'<img src="{LEAK}/html.png">',
    f"[click]({LEAK}/link) <{LEAK}/autolink>",
    f":red[![y]({LEAK}/directive.png)]",
    f"$\\includegraphics{{{LEAK}/tex.png}}$",
    f"![r][ref]\n\n[ref]: {LEAK}/ref.png",
    f"<svg><image href='{LEAK}/svg.png'/></svg>",
    f"`x` ![z]({LEAK}/after-code.png) ``",
    # Plotly's own HTML subset, in chart labels, names, ticks and hover texts:
    f'<span style="background:url({LEAK}/plotly-span.png)">s</span>',
    f'<a href="{LEAK}/plotly-link">L</a> <b style="cursor:url({LEAK}/plotly-cursor.png),auto">b</b>',
]
FIELDS = (
    "authorName",
    "authorFullname",
    "locationCountry",
    "locationContinent",
    "locationCity",
    "tags",
    "topicName",
    "sourceService",
    "sourceCategory",
    "sourceType",
    "messageLanguage",
    "messageSentiment",
    "messageType",
    "status",
    "messageTitle",
)


def hostile_id(i: int) -> str:
    return f"evil{i}-{PAYLOADS[i % len(PAYLOADS)]}"


def build(path: Path, copies: int = 3) -> Store:
    """``copies`` mentions per payload, each field holding it; dated over a few days."""
    out = io.StringIO()
    columns = ["uniqueId", "messageContent", "datePublished", "sourceUrl", "permalink", *FIELDS]
    writer = csv.DictWriter(out, columns)
    writer.writeheader()
    for i in range(copies * len(PAYLOADS)):
        payload = PAYLOADS[i % len(PAYLOADS)]
        row = {field: payload.replace(",", " ") for field in FIELDS}
        row.update(
            uniqueId=hostile_id(i),
            messageContent=f"{payload} #evil @evil {LEAK}/in-text",
            datePublished=f"2026-11-{1 + i % 20:02d}T10:00:00Z",
            sourceUrl=f"{LEAK}/source" if i % 2 else "javascript:fetch('http://leak.example/js')",
            permalink=f"{LEAK}/permalink",
        )
        writer.writerow(row)
    store = Store(path)
    import_file(store, out.getvalue().encode(), "hostile.csv")
    topics = [{"name": payload.replace("\n", " "), "query": "#evil", "parent": ""} for payload in PAYLOADS[:3]]
    path.with_name(path.name + ".topics.json").write_text(json.dumps({"topics": topics}))
    return store


def hostile_urls() -> list[str]:
    """Page paths with hostile URL values (they must show as text, or be ignored)."""
    from urllib.parse import urlencode

    md = PAYLOADS[0]
    return [
        "/?" + urlencode({"ctry": md, "author": md, "tag": md, "svc": md, "tz": "UTC"}),
        "/Dashboard?" + urlencode({"q": "#evil", "tz": "UTC"}),
        "/Tags?tz=UTC",
        "/Text?" + urlencode({"section": "topics", "tz": "UTC"}),
        "/Text?" + urlencode({"section": "context", "kw": md, "tz": "UTC"}),
        "/Text?" + urlencode({"section": "terms", "q": md, "tz": "UTC"}),
        "/Mentions?" + urlencode({"mention": md, "tz": "UTC"}),
        "/Mentions?" + urlencode({"mention": hostile_id(0), "tz": "UTC"}),
        "/Data?tz=UTC",
        "/Setup?tz=UTC",
    ]
