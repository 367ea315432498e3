"""The Text page's Topics section: the editable topic set with live counts, the clause debugger, topic ×
sentiment and topic trends."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from lib.charts.figures import LINE_COLORS, bar_figure, stacked_share_figure
from lib.mentions.schema import SENTIMENT_ORDER
from lib.queries.compare import compare_topics
from lib.queries.interface import clauses, topic_counts, topic_scopes
from lib.text.boolean_query import QueryError, parse
from lib.text.topics import TopicError, TopicSet, save_topics
from ui import blocks, compare, state
from ui.escape import code, md
from ui.frame import View


def topics(view: View) -> None:
    st.caption(
        'A text topic is a query over the mention text: words, "quoted phrases", a trailing * for any ending, '
        "AND / OR / NOT (also & | -), parentheses. A topic may have a parent (one level). Saved topics become a "
        'filter on every page (sidebar, "Text topic").'
    )
    edited = _topic_editor(view)
    # Topics that can be counted as they stand: named, with a query that parses or (a parent) children.
    valid = TopicSet(
        tuple(t for t in edited.topics if t.name and (_parses(t.query) if t.query else edited.children(t.name)))
    )
    if not valid.topics:
        return
    scopes = topic_scopes(view.scope, valid)
    table = topic_counts(view.q, view.scope, valid)
    st.subheader("Topics in the matching mentions")
    if compare.active(view):
        compared = compare_topics(view.q, view.scope, valid, compare.settings()[1])
        picked = compare.chart(view, "topic", compared, "topic_counts", "mentions per topic")
        compare.scope_drill(
            view,
            picked,
            scopes,
            "topic_counts",
            lambda name: state.replace_filters(replace(state.filters(), text_topics=(name,))),
        )
    else:
        _topic_bars(view, table, scopes)
    _clause_debugger(view, valid)
    st.subheader("Topic × sentiment")
    by_sentiment = (
        pd.DataFrame(
            {
                name: view.q.counts(scope, "messageSentiment").set_index("value")["mentions"]
                for name, scope in scopes.items()
            }
        )
        .T.fillna(0)
        .astype(int)
    )
    by_sentiment = by_sentiment[[c for c in SENTIMENT_ORDER if c in by_sentiment.columns]]
    blocks.chart(
        stacked_share_figure(by_sentiment, "messageSentiment"),
        "topic_sentiment",
        "for each topic, the share of its mentions by Social Connect's sentiment.",
        by_sentiment.reset_index(names="topic"),
        selectable=False,
    )
    st.subheader("Topic trends")
    by_size = table.sort_values("mentions", ascending=False, kind="stable")["topic"].tolist()
    chosen = state.page_multiselect(
        st,
        "Topics",
        "ttopic",
        by_size,
        by_size[:5],
        max_selections=len(LINE_COLORS),
        help=f"The five largest topics to begin with; up to {len(LINE_COLORS)} lines.",
    )
    shown = {name: scopes[name] for name in chosen}
    buckets, names = blocks.trend_chart(
        view, shown, "topic_trends", "in each chosen topic. Select points to see that topic's mentions then."
    )
    blocks.drill_trend(
        view,
        shown,
        buckets,
        names,
        "topic_trends",
        lambda f: replace(f, text_topics=tuple(n for n in names if n in view.topics.names)),
    )


def _topic_bars(view: View, table: pd.DataFrame, scopes: dict) -> None:
    """Mentions per topic as bars; a selected bar shows that topic's mentions."""
    picked = blocks.chart(
        bar_figure(
            table.rename(columns={"topic": "value"}).sort_values("mentions", ascending=False), "topic", 30, view.matched
        ),
        "topic_counts",
        f"mentions per topic; % of the {view.matched:,} matching mentions (a mention can be in several topics).",
        table,
    )
    for name in blocks.scalars(picked)[:1]:

        def apply(name=str(name)) -> None:
            state.replace_filters(replace(state.filters(), text_topics=(name,)))

        blocks.scope_panel(
            view, scopes[str(name)], f"topic {name}", "topic_counts", apply, can_filter=name in view.topics.names
        )


def _parses(query: str) -> bool:
    try:
        parse(query)
    except QueryError:
        return False
    return True


def _topic_editor(view: View) -> TopicSet:
    """The editable topic set with live counts; returns the set as edited (saved or not)."""
    saved = view.topics
    rows = pd.DataFrame(
        saved.to_list() or [{"name": "", "query": "", "parent": ""}], columns=["name", "query", "parent"]
    )
    edited_rows = st.data_editor(
        rows,
        num_rows="dynamic",
        width="stretch",
        key="w_topic_editor",
        column_config={
            "name": st.column_config.TextColumn("Topic", required=True),
            "query": st.column_config.TextColumn("Query", width="large", help='e.g. delay* OR late OR "hours waiting"'),
            "parent": st.column_config.TextColumn("Parent (optional)"),
        },
    )
    try:
        edited = TopicSet.from_rows(edited_rows.fillna("").to_dict("records"))
    except TopicError as exc:
        st.error(md(exc))
        return saved
    problems = edited.problems()
    for problem in problems:
        st.caption(f":red[{md(problem)}]")
    left, middle, right = st.columns(3)
    changed = edited.key() != saved.key()
    if left.button("Save topics", disabled=bool(problems) or not changed, icon=":material/save:", type="primary"):
        save_topics(view.source.store.path, edited)
        st.session_state.pop("w_topic_editor", None)
        st.rerun()
    if changed and not problems:
        left.caption("Not saved yet: the sidebar filter and exports use the saved set.")
    middle.download_button(
        "Download topics (JSON)",
        edited.to_json().encode(),
        "topics.json",
        "application/json",
        icon=":material/download:",
    )
    with right.popover("Load topics (JSON)", icon=":material/upload:"):
        upload = st.file_uploader("A topic file", type=["json"], key="w_topics_upload", max_upload_size=5)
        if upload is not None:
            try:
                loaded = TopicSet.from_json(upload.getvalue()).check()
            except TopicError as exc:
                st.error(md(exc))
            else:
                if st.button(f"Replace the saved set with these {len(loaded.topics)} topics"):
                    save_topics(view.source.store.path, loaded)
                    st.session_state.pop("w_topic_editor", None)
                    st.rerun()
    return edited


def _clause_debugger(view: View, topics: TopicSet) -> None:
    st.subheader("Why a topic matches: clause by clause")
    with_query = tuple(t.name for t in topics.topics if t.query)
    if not with_query:
        return
    name = state.page_select(st, "Topic", "dbg", with_query, with_query[0])
    topic = topics.get(name) if name else None
    if topic is None:
        return
    table = clauses(view.q, view.scope, topic.query)
    st.caption(
        f"{code(topic.query)} matches **{table.attrs['total']:,}** of the {view.matched:,} matching mentions. "
        "In an OR, *adds* counts the mentions only that clause brings in; in an AND, *removes* counts the "
        "mentions that pass every other clause but not this one."
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "alone": st.column_config.NumberColumn("matches alone", format="%d"),
            "effect": st.column_config.TextColumn("effect"),
            "mentions": st.column_config.NumberColumn("mentions", format="%d"),
        },
    )
