"""Values in Markdown, as text: a mention's country, tag or author, a link's ``?mention=``, a server's error.

Streamlit renders Markdown in ``st.markdown``, captions, alerts, headings and every widget label, so a
value such as ``![x](http://host/leak.png)`` would make every viewer's browser fetch that address, and
``[text](url)``, ``:red[…]`` or ``$…$`` would change what the page says. Every value that comes from the
data, the URL, a file or a server goes through ``md`` (text) or ``code`` (a code span) on its way into
Markdown; the text around it is the app's own.
"""

from __future__ import annotations

import re

_PUNCTUATION = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")


# GitHub's Markdown also turns bare addresses into links (http://…, www.…, name@host), after escapes are
# read; an invisible word joiner after "://", "www" and "@" keeps them text.
_AUTOLINK = re.compile(r"(?i)(://|\bwww(?=\.)|@(?=[\w-]))")
WORD_JOINER = "\u2060"
# Explicit direction controls (embeddings, overrides, isolates and their ends): an unclosed right-to-left override
# in a value would reverse the app's own sentence after it. Right-to-left text itself is left as it is.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def md(value: object) -> str:
    """``value`` as literal text inside Markdown: every ASCII punctuation character backslash-escaped (which
    CommonMark defines for all of them), no bare address made a link, on one line, no direction control."""
    flat = _AUTOLINK.sub(lambda m: m.group() + WORD_JOINER, _flat(value))
    return _PUNCTUATION.sub(r"\\\1", flat)


def code(value: object) -> str:
    """``value`` as an inline code span: nothing inside one is Markdown. The fence is one backtick longer
    than the longest run of backticks in the value."""
    flat = _flat(value) or " "
    fence = "`" * (max((len(run) for run in re.findall(r"`+", flat)), default=0) + 1)
    return f"{fence} {flat} {fence}"


def _flat(value: object) -> str:
    """``value`` as text on one line, without direction controls."""
    return " ".join(BIDI_CONTROLS.sub("", str(value)).split())
