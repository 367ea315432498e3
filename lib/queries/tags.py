"""Tags: the recode (case folding, rename and merge, exclude) and the tag analyses.

XM Discover enrichments arrive as one comma separated string; the store keeps that raw string and the
list split by the store's delimiter. The recode is applied per view, on the few hundred distinct tag
values, never on the million mentions: the result is a remapped tag index, cached per recode. It is a
small JSON file beside the store, written atomically, and can be exported and imported.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from lib.errors import ExplorerError
from lib.queries.model import Codes, ListIndex, MentionModel
from lib.settings import load_setting, settings_path, write_atomically


class RecodeError(ExplorerError):
    """A recode file could not be read."""


@dataclass(frozen=True)
class TagRecode:
    case_fold: bool = True  # "baggage" and "Baggage" are one tag, shown in its most frequent spelling
    rename: dict[str, str] = field(default_factory=dict)  # shown name -> new name; several to one = merge
    exclude: tuple[str, ...] = ()  # names (after renaming) left out of every tag view

    def key(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    def to_dict(self) -> dict:
        return {
            "case_fold": self.case_fold,
            "rename": dict(sorted(self.rename.items())),
            "exclude": sorted(set(self.exclude)),
        }

    @classmethod
    def from_dict(cls, data: object) -> TagRecode:
        if not isinstance(data, dict):
            raise RecodeError("A tag recode is a JSON object with case_fold, rename and exclude.")
        rename, exclude = data.get("rename", {}), data.get("exclude", [])
        if not isinstance(rename, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in rename.items()
        ):
            raise RecodeError('"rename" must map tag names to new names, e.g. {"praise": "Praise"}.')
        if not isinstance(exclude, list) or not all(isinstance(t, str) for t in exclude):
            raise RecodeError('"exclude" must be a list of tag names, e.g. ["Competitor"].')
        return cls(
            bool(data.get("case_fold", True)), {k: v.strip() for k, v in rename.items() if v.strip()}, tuple(exclude)
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> TagRecode:
        try:
            return cls.from_dict(json.loads(text))
        except ValueError as exc:
            raise RecodeError(f"The tag recode is not valid JSON: {exc}") from None


def recode_path(store_path: Path) -> Path:
    return settings_path(store_path, "tags")


def load_recode(store_path: Path) -> TagRecode:
    return load_setting(store_path, "tags", TagRecode.from_json, TagRecode())


def save_recode(store_path: Path, recode: TagRecode) -> None:
    write_atomically(recode_path(store_path), recode.to_dict())


def shown_names(raw: list[str], counts: np.ndarray, recode: TagRecode) -> list[str | None]:
    """For each raw tag value: the name it is shown under, or None when excluded."""
    spelling: dict[str, Counter] = {}
    for value, n in zip(raw, counts, strict=True):
        key = value.casefold() if recode.case_fold else value
        spelling.setdefault(key, Counter())[value] += int(n)
    canonical = {key: c.most_common(1)[0][0] for key, c in spelling.items()}
    rename = {(k.casefold() if recode.case_fold else k): v for k, v in recode.rename.items()}
    excluded = {t.casefold() if recode.case_fold else t for t in recode.exclude}
    names: list[str | None] = []
    for value in raw:
        key = value.casefold() if recode.case_fold else value
        name = rename.get(key, canonical[key])
        names.append(None if (name.casefold() if recode.case_fold else name) in excluded else name)
    return names


def tag_names(raw_tags: pd.DataFrame, recode: TagRecode) -> dict[str, str | None]:
    """Each raw tag value's name under ``recode`` (None: excluded), from every raw value and its mentions
    (``raw_counts`` or an engine's answer: the most frequent spelling names a folded tag)."""
    raw = [str(v) for v in raw_tags["value"]]
    return dict(zip(raw, shown_names(raw, raw_tags["mentions"].to_numpy(), recode), strict=True))


def recode_tags(tags, names: dict[str, str | None]) -> list[str]:
    """One mention's tags as the tag views show them: renamed, merged (once), excluded ones left out. A value
    that ``names`` does not know (stored after it was made) is kept as it is."""
    shown: list[str] = []
    for tag in [] if tags is None else tags:
        name = names.get(tag, tag)
        if name is not None and name not in shown:
            shown.append(name)
    return shown


def recoded(index: ListIndex, recode: TagRecode) -> ListIndex:
    """The tag index with the recode applied (on distinct values, then one remap of the codes)."""
    raw = [str(v) for v in index.values.values]
    names = shown_names(raw, np.bincount(index.values.codes, minlength=len(raw)), recode)
    kept = sorted({n for n in names if n is not None})
    position = {n: i for i, n in enumerate(kept)}
    new_code = np.array([position[n] if n is not None else -1 for n in names] or [-1], dtype=np.int64)
    codes = new_code[index.values.codes] if len(index.values.codes) else np.zeros(0, dtype=np.int64)
    keep = codes >= 0
    # A mention tagged "Praise" and "praise" has the tag once.
    pairs = np.unique(index.row[keep].astype(np.int64) * max(len(kept), 1) + codes[keep])
    row, code = pairs // max(len(kept), 1), pairs % max(len(kept), 1)
    return ListIndex.from_pairs(
        row.astype(np.int32), Codes(code.astype(np.int32), np.asarray(kept, dtype=object)), index.n
    )


def tag_index(model: MentionModel, recode: TagRecode) -> ListIndex:
    """The model's tag index under ``recode``, built once per recode and kept on the model (a few MB each;
    the last four recodes, which an editor flips between)."""
    return model.tag_indexes.get(recode.key(), lambda: recoded(model.tags, recode))


def frequency_table(counts: pd.DataFrame, matching: int) -> pd.DataFrame:
    """``frequency`` from mentions per tag (columns value, mentions) and the number of matching mentions. The
    ``%`` columns hold percents (50.0, one decimal), as their names and the chart's CSV say, not fractions."""
    mentions, assignments = int(matching), int(counts["mentions"].sum())
    return pd.DataFrame(
        {
            "tag": counts["value"].to_numpy(dtype=object),
            "mentions": counts["mentions"].to_numpy(),
            "% of mentions": (counts["mentions"] * 100 / mentions).round(1) if mentions else np.nan,
            "% of tag assignments": (counts["mentions"] * 100 / assignments).round(1) if assignments else np.nan,
        }
    )


def by_column(index: ListIndex, model: MentionModel, column: str, mask: np.ndarray, tags: list[str]) -> pd.DataFrame:
    """Mentions per (tag, value of ``column``) for the given tags: a tag × sentiment table, say."""
    codes = model.columns[column]
    wanted = index.values.lookup(tuple(tags))
    pick = wanted[index.values.codes] & mask[index.row]
    tag_codes, value_codes = index.values.codes[pick], codes.codes[index.row[pick]]
    grid = np.bincount(
        tag_codes.astype(np.int64) * len(codes.values) + value_codes,
        minlength=len(index.values.values) * len(codes.values),
    ).reshape(len(index.values.values), -1)
    names = list(index.values.values)
    table = pd.DataFrame(grid, index=names, columns=list(codes.values))
    return table.loc[[t for t in tags if t in table.index]]


def cooccurrence(index: ListIndex, mask: np.ndarray, tags: list[str]) -> pd.DataFrame:
    """Mentions that carry both tags, for every pair of ``tags`` (the diagonal: mentions with the tag)."""
    code_of = {str(v): i for i, v in enumerate(index.values.values)}
    incidence = np.zeros((index.n, len(tags)), dtype=np.float32)
    for j, tag in enumerate(tags):
        if tag in code_of:
            incidence[index.rows_of(code_of[tag]), j] = 1.0
    incidence = incidence[mask]
    both = (incidence.T @ incidence).round().astype(np.int64)
    return pd.DataFrame(both, index=tags, columns=tags)


def lift(both: pd.DataFrame, mentions: int) -> pd.DataFrame:
    """Co-occurrence as lift: how many times more often two tags meet than they would if they were
    independent, p(a and b) / (p(a) p(b)) over ``mentions``. 1 is chance; the diagonal (a tag with itself)
    is left out (NaN)."""
    counts = both.to_numpy(dtype=float)
    own = np.diag(counts).copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        table = counts * mentions / np.outer(own, own)
    table[~np.isfinite(table)] = np.nan
    np.fill_diagonal(table, np.nan)
    return pd.DataFrame(table, index=both.index, columns=both.columns)


def raw_counts(index: ListIndex) -> pd.DataFrame:
    """Every raw tag value and its mentions (columns value, mentions): what the recode works on."""
    counts = np.bincount(index.values.codes, minlength=len(index.values.values))
    return pd.DataFrame({"value": [str(v) for v in index.values.values], "mentions": counts})


def editor_rows(raw_tags: pd.DataFrame, recode: TagRecode) -> pd.DataFrame:
    """The recode editor's table: each tag as folded (before renaming), its mentions, its new name, excluded?

    ``raw_tags`` holds every raw tag value and its mentions (``raw_counts``, or an engine's answer)."""
    raw = [str(v) for v in raw_tags["value"]]
    counts = raw_tags["mentions"].to_numpy()
    folded = shown_names(raw, counts, TagRecode(case_fold=recode.case_fold))
    totals: Counter = Counter()
    spellings: dict[str, set] = {}
    for name, value, n in zip(folded, raw, counts, strict=True):
        if name is None:  # folding alone excludes nothing; an empty value stays out
            continue
        totals[name] += int(n)
        spellings.setdefault(name, set()).add(value)
    key = (lambda t: t.casefold()) if recode.case_fold else (lambda t: t)
    rename = {key(k): v for k, v in recode.rename.items()}
    excluded = {key(t) for t in recode.exclude}
    rows = [
        {
            "tag": name,
            "mentions": n,
            "spellings": ", ".join(sorted(spellings[name])),
            "rename to": rename.get(key(name), ""),
            "exclude": key(name) in excluded or key(rename.get(key(name), name)) in excluded,
        }
        for name, n in totals.most_common()
    ]
    return pd.DataFrame(rows, columns=["tag", "mentions", "spellings", "rename to", "exclude"])


def recode_from_rows(rows: pd.DataFrame, case_fold: bool) -> TagRecode:
    """The recode the editor's table says (empty "rename to" = keep the name)."""
    rename = {
        t: str(r).strip()
        for t, r in zip(rows["tag"], rows["rename to"], strict=True)
        if isinstance(r, str) and r.strip() and r.strip() != t
    }
    exclude = tuple(t for t, x in zip(rows["tag"], rows["exclude"], strict=True) if bool(x))
    return TagRecode(case_fold=case_fold, rename=rename, exclude=exclude)
