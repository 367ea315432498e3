"""The Text page: the section picker, and the Terms, Phrases, In context and Distinctive terms sections
(Topics: ui/topic_editor.py; Sentiment check: ui/sentiment_view.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd
import streamlit as st

from lib.charts.figures import LINE_COLORS, bar_figure, diverging_figure, treemap_figure
from lib.errors import ExplorerError
from lib.queries.compare import period_label, previous_scope
from lib.queries.compare_terms import compare_phrases, compared_terms, term_mentions
from lib.queries.interface import Scope
from lib.text.boolean_query import QueryError, as_query, parse
from lib.text.kwic import kwic
from lib.text.stopwords import load_stoplist, parse_words, save_stoplist
from lib.text.terms import Stoplist
from ui import blocks, compare, state
from ui.escape import md
from ui.frame import View

SECTIONS = {
    "terms": "Terms",
    "phrases": "Phrases",
    "topics": "Topics",
    "context": "In context",
    "sentiment": "Sentiment check",
    "distinctive": "Distinctive terms",
    "rising": "Rising",
    "campaigns": "Campaigns",
    "suggest": "Suggested topics",
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


COPIES_NOTED = 0.2  # the share of copies in the matching mentions from which the page points to the switch


def copies_note(view: View) -> None:
    """Say when copies of the same text (retweets, a campaign) are a good part of the matching mentions and the
    sidebar still counts each copy: their words then weigh once per copy in every section of the page."""
    if view.filters.copies_once or view.matched < 20:
        return
    once = view.q.count(replace(view.scope, filters=replace(view.filters, copies_once=True)))
    copies = view.matched - once
    if copies / view.matched >= COPIES_NOTED:
        st.caption(
            f":material/content_copy: {copies:,} of these {view.matched:,} mentions ({copies / view.matched:.0%}) "
            "are copies of another (retweets, a campaign), and their words count once per copy. *Count copies "
            "once* in the sidebar counts each text once; the section *Campaigns* lists the copied texts."
        )


def stoplist(view: View) -> Stoplist:
    try:
        return load_stoplist(view.source.store.path)
    except ExplorerError as exc:
        st.warning(md(exc))
        return Stoplist()


def _search_for(query: str, dates: tuple | None = None) -> None:
    filters = replace(state.filters(), text=query)
    if dates:
        filters = replace(filters, start=dates[0], end=dates[1])
    state.replace_filters(filters)


def _context_panel(view: View, terms: list[str], key: str, buckets: list | None = None) -> None:
    """Keyword in context for terms picked on a chart (in the picked time buckets of a trend, if any), with a
    button that makes them the text search (and the buckets' days the dates)."""
    terms = [str(t) for t in blocks.scalars(terms)]
    if not terms:
        return
    query = " OR ".join(as_query(t) for t in terms)
    scope = view.scope.searching(query)
    where, dates = "", None
    if buckets:
        scope = scope.in_buckets(buckets, view.bucket)
        where = blocks.buckets_title(buckets, view.bucket)
        dates = blocks.bucket_dates(view.filters, buckets, view.bucket)
    with st.container(border=True, key=f"{key}_drill"):
        with st.container(horizontal=True, vertical_alignment="center", gap="small"):
            st.markdown(
                f"**{view.q.count(scope):,} mentions** with {md(', '.join(terms[:5]))}"
                + (f" in {md(where)}" if where else ""),
                width="stretch",
            )
            st.button(
                "Search for this",
                key=f"{key}_search",
                on_click=_search_for,
                args=(query, dates),
                icon=":material/search:",
                width="content",
            )
        _kwic_table(view, scope, query, key)


def _kwic_table(view: View, scope: Scope, query: str, key: str, seed: int | None = None) -> None:
    """Each match of ``query`` with its context, in the newest mentions of ``scope`` (or a random sample)."""
    texts = view.q.texts(scope, KWIC_LINES, seed)
    lines = kwic(texts, query, limit=KWIC_LINES)
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
    st.caption(
        f"{len(lines)} lines from {len(texts):,} mentions"
        + (" (a random sample)" if seed is not None else " (the newest)")
    )


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
    if compare.active(view):
        _compared_terms(view, stop, kind, top, by_stem)
        return
    table = view.q.vocabulary().top_terms_of(view.q.term_counts(view.scope), view.matched, (kind,), top, stop, by_stem)
    if table.empty:
        if view.matched:  # with none, the page's top says why (ui/frame.py nothing_matches)
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


def _compared_terms(view: View, stop: Stoplist, kind: str, top: int, by_stem: bool) -> None:
    """The top terms now and in the previous period (the sidebar's *Compare with the previous period*): a bar of
    either period opens its mentions in that period."""
    found = compared_terms(view.q, view.scope, (kind,), top, stop, by_stem, compare.settings()[1])
    if found is None or found.table.empty:
        st.warning("No terms in the matching mentions, now or in the previous period. Widen the filters.")
        return
    table = found.table
    what = f"mentions with each {kind} (stopwords left out)"
    picked = compare.chart(view, "term", table, "top_terms_prev", what)
    shown = table["value"].astype(str).tolist()
    _compared_drill(view, picked, shown, "top_terms_prev", "terms", (kind,), stop, by_stem)
    _stopword_editor(view, stop, shown)
    # The trends follow the largest terms now, whatever the sort (sorting by change only reorders the chart);
    # the terms the chart shows by change can be added to them.
    _term_trends(view, list(dict.fromkeys([*found.largest, *shown])), found.largest)


def _compared_drill(
    view: View, picked: list, shown: list[str], key: str, which: str, kinds: tuple, stop: Stoplist, by_stem: bool
) -> None:
    """The mentions behind a selected bar of a compared term or phrase chart, in its period: the ones the bar
    counts (lib/queries/compare_terms.term_mentions). "Search for this" makes the term the text search."""
    previous = previous_scope(view.scope)
    for pick in picked[:1]:
        if not isinstance(pick, tuple) or len(pick) != 2 or str(pick[0]) not in shown or previous is None:
            continue
        value, now = str(pick[0]), pick[1] != "previous"
        scope = view.scope if now else previous
        count, keys = term_mentions(view.q, scope, value, which, kinds, stop, by_stem, blocks.DRILL_ROWS)
        title = value if now else f"{value} in {period_label(previous)}"
        blocks.mentions_panel(view, count, keys, title, key, lambda v=value: _search_for(as_query(v)), now)


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


def _term_trends(view: View, shown: list[str], largest: list[str] | None = None) -> None:
    """Trend lines of the terms picked from ``shown`` (URL ``tterm``); by default the 4 largest by mentions now
    (``largest``, or the first of ``shown``, which the plain Terms chart ranks by mentions)."""
    st.subheader("Terms over time")
    default = (shown if largest is None else largest)[:4]
    chosen = state.page_multiselect(st, "Terms", "tterm", shown, default, max_selections=len(LINE_COLORS))
    scopes = {term: view.scope.searching(as_query(term)) for term in chosen}
    buckets, names = blocks.trend_chart(
        view, scopes, "term_trends", "that use each term. Select points to read those mentions in context."
    )
    _context_panel(view, names, "term_trends", buckets)


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
    if compare.active(view):
        _compared_phrases(view, stop, top, min_count)
        return
    q = view.q
    table = q.vocabulary().phrases_of_counts(
        q.term_counts(view.scope), q.term_counts(view.scope, "phrases"), view.matched, top, min_count, stop, rank
    )
    if table.empty:
        if view.matched:
            st.warning(
                f"No phrase appears in {min_count} or more matching mentions. Lower the minimum or widen the filters."
            )
        return
    # The chart draws what the table is ranked by: PMI bars in PMI order, or mention bars in mention order.
    counts = table.rename(columns={"phrase": "value"})
    picked = blocks.chart(
        bar_figure(counts, "phrase", top, view.matched, measure="pmi" if rank == "pmi" else "mentions"),
        "phrases",
        (
            "each bar is a pair's PMI (labelled with PMI · mentions), strongest first"
            if rank == "pmi"
            else "each bar is the mentions that use a pair (labelled with % of matching mentions), most first"
        )
        + ". Pairs of adjacent words, no stopword. "
        + ("PMI" if rank == "pmi" else "The table's PMI column")
        + " (pointwise mutual information, in bits) says how much more often the two words meet than chance would "
        "have them: 1 is twice as often.",
        table,
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={"pmi": st.column_config.NumberColumn("PMI (bits)", format="%.2f")},
    )
    _context_panel(view, [str(p) for p in picked], "phrases")


def _compared_phrases(view: View, stop: Stoplist, top: int, min_count: int) -> None:
    """The phrases in at least ``min_count`` mentions of either period, now and before, by mentions (or change)."""
    table = compare_phrases(view.q, view.scope, top, min_count, stop, compare.settings()[1])
    if table is None or table.empty:
        st.warning(
            f"No phrase appears in {min_count} or more matching mentions, now or in the previous period. Lower the "
            "minimum or widen the filters."
        )
        return
    what = f"mentions with each pair of adjacent words (no stopword; in {min_count}+ mentions of either period)"
    picked = compare.chart(view, "phrase", table, "phrases_prev", what)
    shown = table["value"].astype(str).tolist()
    _compared_drill(view, picked, shown, "phrases_prev", "phrases", (), stop, False)


# -- keyword in context -------------------------------------------------------------------------
def context(view: View) -> None:
    default = view.filters.text or state.page_param("kw", None, "")
    left, right = st.columns([3, 1])
    query = left.text_input(
        "Words, phrases or a query", value=default, key="w_kwic", placeholder='e.g. delay* OR "cabin crew"'
    ).strip()
    state.set_page_param("kw", query, "")
    sample = right.toggle(
        "Random sample",
        value=state.page_param("sample", ("0", "1"), "0") == "1",
        key="w_kwic_sample",
        help="Lines from a random sample of the mentions.",
    )
    state.set_page_param("sample", "1" if sample else "0", "0")
    if not query:
        st.caption("Type a word, a phrase or a query to see each match with the text around it.")
        return
    try:
        parse(query)
    except QueryError as exc:
        st.error(md(exc))
        return
    scope = view.scope.searching(query)
    st.markdown(f"**{view.q.count(scope):,}** matching mentions use it.")
    _kwic_table(view, scope, query, "context", seed=st.session_state.get("kwic_seed", 0) if sample else None)
    if sample and st.button("Another sample", icon=":material/casino:"):
        st.session_state["kwic_seed"] = st.session_state.get("kwic_seed", 0) + 1
        st.rerun()


# -- distinctive terms --------------------------------------------------------------------------
def _comparison_day(view: View, where) -> date | None:
    """The day to compare (URL ``day``; by default the busiest day of the filtered mentions)."""
    per_day = view.q.volume(view.scope, "day", None)
    if per_day.empty:
        return None
    busiest = per_day.loc[per_day["mentions"].idxmax(), "bucket"].date()
    oldest, newest = view.q.date_bounds(view.tz)
    try:
        day = date.fromisoformat(state.page_param("day", None, ""))
    except ValueError:
        day = busiest
    day = min(max(day, oldest), newest)
    day = where.date_input(
        "Day",
        value=day,
        min_value=oldest,
        max_value=newest,
        key="w_cmp_day",
        format="YYYY-MM-DD",
        help="The busiest day of the matching mentions is the default.",
    )
    state.set_page_param("day", "" if day == busiest else day.isoformat(), "")
    return day


COMPARISONS = {
    "negpos": "negative vs positive",
    "rest": "these mentions vs all the others",
    "day": "one day vs the 28 days before",
}


def distinctive(view: View, stop: Stoplist) -> None:
    left, right = st.columns([2, 1])
    # Filtered to one side of negative vs positive, that comparison has an empty segment: the filter vs the rest.
    chosen = set(view.filters.sentiments)
    both = not chosen or {"negative", "positive"} <= chosen
    how = state.page_select(left, "Compare", "cmp", tuple(COMPARISONS), "negpos" if both else "rest", COMPARISONS.get)
    q, scope = view.q, view.scope
    if how == "negpos":
        a, b = scope.narrowed("messageSentiment", ("negative",)), scope.narrowed("messageSentiment", ("positive",))
        names = ("negative", "positive")
    elif how == "rest":
        a, b = scope, None  # b: every mention not in a
        names = ("these mentions", "the others")
    else:
        picked_day = _comparison_day(view, right)
        if picked_day is None:
            st.warning("No dated mentions match the filters.")
            return
        day, start = picked_day, pd.Timestamp(picked_day)
        # The day against the 28 days before it, whatever the date filter says (a filter to the spike itself
        # would leave nothing to compare with); every other filter applies.
        undated = Scope(replace(scope.filters, start=None, end=None), scope.tz)
        a = undated.in_buckets([start], "day")
        before = [start - pd.Timedelta(days=d) for d in range(28, 0, -1)]
        b = undated.in_buckets(before, "day")
        names = (f"{day:%d %b %Y}", f"{before[0]:%d %b} – {before[-1]:%d %b %Y}")
        st.caption(
            f"{day:%A %d %B %Y} against the 28 days before it, {before[0]:%d %B} to {before[-1]:%d %B %Y}"
            + (
                " (the date filter does not apply to this comparison; the other filters do)"
                if scope.filters.start or scope.filters.end
                else ""
            )
            + "."
        )
    counts_a, size_a = q.term_counts(a), q.count(a)
    if b is None:
        counts_b, size_b = q.term_counts(Scope(tz=scope.tz)) - counts_a, q.n - size_a
    else:
        counts_b, size_b = q.term_counts(b), q.count(b)
    st.caption(f"{names[0]}: {size_a:,} mentions · {names[1]}: {size_b:,} mentions")
    if not size_a or not size_b:
        if how == "negpos" and not both:
            st.warning(
                "The sentiment filter keeps one side of this comparison only: compare these mentions with all the "
                "others, or widen the sentiment filter."
            )
        else:
            st.warning("One of the two segments is empty: change the filters or the comparison.")
        return
    table = q.vocabulary().distinctive_of(counts_a, counts_b, (size_a, size_b), top=15, stoplist=stop)
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
