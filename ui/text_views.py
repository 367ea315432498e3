"""The Text page: the section picker, and the Terms, Phrases, In context and Distinctive terms sections
(Topics: ui/topic_editor.py; Sentiment check: ui/sentiment_view.py)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import streamlit as st

from lib.charts import bar_figure, diverging_figure, treemap_figure
from lib.errors import ExplorerError
from lib.kwic import kwic, sample_rows
from lib.query import QueryError, as_query
from lib.stopwords import load_stoplist, parse_words, save_stoplist
from lib.terms import Stoplist
from ui import blocks, state
from ui.frame import View

SECTIONS = {
    "terms": "Terms",
    "phrases": "Phrases",
    "topics": "Topics",
    "context": "In context",
    "sentiment": "Sentiment check",
    "distinctive": "Distinctive terms",
}
KINDS = {"word": "Words", "hashtag": "#Hashtags", "handle": "@Handles", "emoji": "Emoji"}
KWIC_LINES = 100


def section_picker() -> str:
    """The section shown, kept in the URL (``section``) so a copied link opens it."""
    current = state.page_param("section", tuple(SECTIONS), "terms")
    picked = st.segmented_control(
        "Section", list(SECTIONS), default=current, format_func=SECTIONS.get, key="w_text_section"
    )
    picked = picked or current
    state.set_page_param("section", picked, "terms")
    return picked


def stoplist(view: View) -> Stoplist:
    try:
        return load_stoplist(view.source.store.path)
    except ExplorerError as exc:
        st.warning(str(exc))
        return Stoplist()


def _search_for(query: str) -> None:
    state.replace_filters(replace(state.filters(), text=query))


def _context_panel(view: View, terms: list[str], key: str) -> None:
    """Keyword in context for terms picked on a chart, with a button that makes them the text search."""
    if not terms:
        return
    query = " OR ".join(as_query(t) for t in terms)
    mask = view.mask & view.model.search(query)
    with st.container(border=True):
        head, button = st.columns([4, 1])
        head.markdown(f"**{int(mask.sum()):,} mentions** with {', '.join(terms[:5])}")
        button.button(
            "Search for this", key=f"{key}_search", on_click=_search_for, args=(query,), icon=":material/search:"
        )
        _kwic_table(view, mask, query, key)


def _kwic_table(view: View, mask: np.ndarray, query: str, key: str, seed: int | None = None) -> None:
    rows = sample_rows(mask, KWIC_LINES, seed)
    texts = view.model.content.take(rows).to_pylist() if len(rows) else []
    lines = kwic(zip(rows.tolist(), texts, strict=True), query, limit=KWIC_LINES)
    if lines.empty:
        st.caption("No match in these mentions.")
        return
    shown = lines.drop(columns="row")
    # Plain text cells; the match column is highlighted by a cell style, never by markup in the text.
    styled = shown.style.set_properties(subset=["match"], **{"background-color": "#FFF1B8", "font-weight": "bold"})
    st.dataframe(
        styled,
        hide_index=True,
        width="stretch",
        key=f"{key}_kwic",
        column_config={
            "before": st.column_config.TextColumn("before", width="large"),
            "match": st.column_config.TextColumn("match", width="small"),
            "after": st.column_config.TextColumn("after", width="large"),
        },
    )
    st.caption(f"{len(lines)} lines from {len(rows):,} mentions" + (" (a random sample)" if seed is not None else ""))


# -- terms --------------------------------------------------------------------------------------
def terms(view: View, stop: Stoplist) -> None:
    left, middle, right = st.columns([2, 1, 1])
    kind = state.page_select(left, "Show", "kind", tuple(KINDS), "word", KINDS.get)
    top = int(state.page_select(middle, "How many", "top", ("20", "50", "100"), "20"))
    by_stem = kind == "word" and state.page_param("stem", ("0", "1"), "0") == "1"
    if kind == "word":
        by_stem = right.toggle(
            "Group word forms",
            value=by_stem,
            key="w_stem",
            help="Counts 'flight' and 'flights' as one (Snowball stems, where nltk has the language).",
        )
        state.set_page_param("stem", "1" if by_stem else "0", "0")
    table = view.model.text.top_terms(view.mask, (kind,), top, stop, by_stem)
    if table.empty:
        st.warning("No terms in the matching mentions. Widen the filters in the sidebar.")
        return
    n = view.matched
    chart_side, tree_side = st.columns([1, 1])
    with chart_side:
        picked = blocks.chart(
            bar_figure(table.rename(columns={"term": "value"}), "term", top, n),
            "top_terms",
            f"mentions with the term; % of the {n:,} matching mentions. Stopwords are left out. Select bars to read "
            "them in context.",
            table,
        )
    with tree_side:
        st.plotly_chart(treemap_figure(table), key="terms_treemap", config=blocks.PLOTLY_CONFIG, width="stretch")
        st.caption("The same terms, each rectangle sized by its mentions.")
    _context_panel(view, [str(p) for p in picked], "top_terms")
    _stopword_editor(view, stop, table["term"].tolist())
    _term_trends(view, table["term"].tolist())


def _stopword_editor(view: View, stop: Stoplist, shown: list[str]) -> None:
    with st.expander("Stopwords", icon=":material/block:"):
        st.caption(
            "Each mention's language brings its stopword list (stopwordsiso). Add your own, or keep words that "
            "the lists leave out. Saved beside the data for everyone; the counts follow at once."
        )
        with st.form("stopwords"):
            add = st.multiselect(
                "Also leave out",
                sorted(set(shown) | stop.add),
                default=sorted(stop.add),
                accept_new_options=True,
                help="Pick shown terms or type any word.",
            )
            keep = st.text_area("Keep, although a stopword list has them (one per line)", "\n".join(sorted(stop.keep)))
            if st.form_submit_button("Save stopwords", icon=":material/save:"):
                save_stoplist(view.source.store.path, Stoplist(parse_words("\n".join(add)), parse_words(keep)))
                st.rerun()


def _term_trends(view: View, shown: list[str]) -> None:
    st.subheader("Terms over time")
    chosen = state.page_multiselect(st, "Terms", "tterm", shown, shown[:4], max_selections=8)
    masks = {term: view.mask & view.model.search(as_query(term)) for term in chosen}
    picked = blocks.trend_chart(
        view, masks, "term_trends", "that use each term. Select points to read those mentions in context."
    )
    _context_panel(view, [str(p) for p in picked], "term_trends")


# -- phrases ------------------------------------------------------------------------------------
def phrases(view: View, stop: Stoplist) -> None:
    left, middle, right = st.columns(3)
    rank = state.page_select(
        left,
        "Rank by",
        "rank",
        ("pmi", "mentions"),
        "pmi",
        {"pmi": "how strongly the words go together (PMI)", "mentions": "mentions"}.get,
    )
    min_count = int(
        state.page_select(middle, "In at least", "min", ("3", "5", "10", "25", "100"), "5", lambda v: f"{v} mentions")
    )
    top = int(state.page_select(right, "How many", "ptop", ("20", "50", "100"), "20"))
    table = view.model.text.phrases_of(view.mask, top, min_count, stop, rank)
    if table.empty:
        st.warning(
            f"No phrase appears in {min_count} or more matching mentions. Lower the minimum or widen the filters."
        )
        return
    counts = table.rename(columns={"phrase": "value"})
    if rank == "pmi":
        counts = counts.sort_values("mentions", ascending=False)
    picked = blocks.chart(
        bar_figure(counts, "phrase", top, view.matched),
        "phrases",
        "pairs of adjacent words (no stopword) and the mentions that use them. PMI (pointwise mutual information, "
        "in bits) says how much more often the two words meet than chance would have them: 1 is twice as often.",
        table,
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={"pmi": st.column_config.NumberColumn("PMI (bits)", format="%.2f")},
    )
    _context_panel(view, [str(p) for p in picked], "phrases")


# -- keyword in context -------------------------------------------------------------------------
def context(view: View) -> None:
    default = view.filters.text or state.page_param("kw", None, "")
    left, right = st.columns([3, 1])
    query = left.text_input(
        "Words, phrases or a query", value=default, key="w_kwic", placeholder='e.g. delay* OR "cabin crew"'
    ).strip()
    state.set_page_param("kw", query, "")
    sample = right.toggle("Random sample", key="w_kwic_sample", help="Lines from a random sample of the mentions.")
    if not query:
        st.caption("Type a word, a phrase or a query to see each match with the text around it.")
        return
    try:
        mask = view.mask & view.model.search(query)
    except QueryError as exc:
        st.error(str(exc))
        return
    st.markdown(f"**{int(mask.sum()):,}** matching mentions use it.")
    _kwic_table(view, mask, query, "context", seed=st.session_state.get("kwic_seed", 0) if sample else None)
    if sample and st.button("Another sample", icon=":material/casino:"):
        st.session_state["kwic_seed"] = st.session_state.get("kwic_seed", 0) + 1
        st.rerun()


# -- distinctive terms --------------------------------------------------------------------------
COMPARISONS = {
    "negpos": "negative vs positive",
    "rest": "these mentions vs all the others",
    "day": "one day vs the 28 days before",
}


def distinctive(view: View, stop: Stoplist) -> None:
    left, right = st.columns([2, 1])
    how = state.page_select(left, "Compare", "cmp", tuple(COMPARISONS), "negpos", COMPARISONS.get)
    model = view.model
    if how == "negpos":
        a = view.mask & model.value_mask("messageSentiment", ("negative",))
        b = view.mask & model.value_mask("messageSentiment", ("positive",))
        names = ("negative", "positive")
    elif how == "rest":
        a, b = view.mask, ~view.mask
        names = ("these mentions", "the others")
    else:
        days = model.local_days(view.tz)
        selected = days[view.mask & (days >= 0)]
        if not len(selected):
            st.warning("No dated mentions match the filters.")
            return
        busiest = int(np.bincount(selected - selected.min()).argmax() + selected.min())
        default = (np.datetime64(busiest, "D")).astype(object)
        day = right.date_input("Day", value=default, key="w_cmp_day", help="The busiest day is the default.")
        number = (np.datetime64(day, "D") - np.datetime64(0, "D")).astype(int)
        a = view.mask & (days == number)
        b = view.mask & (days >= number - 28) & (days < number)
        names = (f"{day:%d %b}", f"the 28 days before {day:%d %b}")
    st.caption(f"{names[0]}: {int(a.sum()):,} mentions · {names[1]}: {int(b.sum()):,} mentions")
    if not a.any() or not b.any():
        st.warning("One of the two segments is empty: change the filters or the comparison.")
        return
    table = model.text.distinctive(a, b, top=15, stoplist=stop)
    if table.empty:
        st.warning("Too few words in these segments to compare.")
        return
    picked = blocks.chart(
        diverging_figure(table, *names),
        "distinctive",
        "the log-odds ratio of each word between the two segments, with an informative prior (Monroe et al. 2008), "
        f"as a z-score: right of zero, typical of {names[0]}; left, of {names[1]}. |z| > 2 is unlikely by chance.",
        table,
    )
    _context_panel(view, [str(p) for p in picked], "distinctive")
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "z": st.column_config.NumberColumn(format="%.1f"),
            "in_a": st.column_config.NumberColumn(f"mentions: {names[0]}"),
            "in_b": st.column_config.NumberColumn(f"mentions: {names[1]}"),
            "share_a": st.column_config.NumberColumn(f"% of {names[0]}", format="percent"),
            "share_b": st.column_config.NumberColumn(f"% of {names[1]}", format="percent"),
        },
    )
