"""*Compare with the previous period*: the sidebar switch (URL ``prev=1``, ``prevsort=change``) and the compared
form of every breakdown, tag, topic and term chart: two bars per value, the change beside them, each bar
clickable (now: the mentions behind it, with "Filter to this"; before: that value's mentions then)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.charts.compare import compared_figure
from lib.mentions.labels import label
from lib.queries.compare import SORTS, compare_counts, period_label, previous_scope, with_periods
from lib.queries.interface import Scope
from ui import blocks, state
from ui.frame import View


def settings() -> tuple[bool, str]:
    """Whether the switch is on, and how compared bars are sorted (``mentions`` or ``change``)."""
    on = state.page_param("prev", ("0", "1"), "0") == "1"
    return on, state.page_param("prevsort", SORTS, "mentions")


def active(view: View) -> bool:
    """The switch is on and the view has dates to compare with."""
    return settings()[0] and previous_scope(view.scope) is not None


def sidebar_switch(scope: Scope) -> None:
    """The switch and the sort, in the sidebar: every page's breakdowns follow them."""
    on, sort = settings()
    # Seeded from the canonical value on a page's first run (widget state is per page), as every sidebar widget.
    for key, value in (("w_prev", on), ("w_prevsort", sort == "change")):
        if st.session_state.get(state.SEED_ALL_KEY) or key not in st.session_state:
            st.session_state[key] = value
    on = st.toggle(
        "Compare with the previous period",
        key="w_prev",
        help="Each bar of every breakdown (and the tag, topic and term charts) beside its count in the period of "
        "equal length just before the chosen dates, with the change.",
    )
    state.set_page_param("prev", "1" if on else "0", "0")
    if not on:
        return
    by_change = st.checkbox("Sort by change", key="w_prevsort")
    state.set_page_param("prevsort", "change" if by_change else "mentions", "mentions")
    previous = previous_scope(scope)
    if previous is None:
        st.caption(":material/info: Pick dates (a preset or a range) to compare with the period before them.")
    else:
        st.caption(f"Now: {period_label(scope)}  \nBefore: {period_label(previous)}")


def chart(view: View, column: str, table: pd.DataFrame, key: str, what: str) -> list:
    """Draw a compared table (lib/queries/compare.compared) as bars; its CSV carries both periods."""
    previous = previous_scope(view.scope)
    assert previous is not None
    now_label, before_label = period_label(view.scope), period_label(previous)
    data = with_periods(table.assign(label=[label(column, v) for v in table["value"]]), view.scope)
    sort = settings()[1]
    return blocks.chart(
        compared_figure(table, column, now_label, before_label),
        key,
        f"{what}: blue is now ({now_label}), grey the {_days(view.scope)} days before ({before_label}); the label is "
        "the change"
        + (", biggest changes first" if sort == "change" else "")
        + ". Select a bar to see its mentions in that period.",
        data,
    )


def _days(scope: Scope) -> int:
    f = scope.filters
    return (f.end - f.start).days + 1 if f.start and f.end else 0


def breakdown(
    view: View,
    column: str,
    title: str,
    top: int = 10,
    hint: str | None = None,
    heading: bool = True,
    key: str = "",
) -> None:
    """A breakdown compared with the previous period, with its drill-down (replaces sections.breakdown)."""
    if heading:
        st.subheader(title, help=hint)
    table = compare_counts(view.q, view.scope, column, None, settings()[1])
    if table is not None and column == "authorName":
        table = table[table["value"] != ""]  # mentions without an author are no author
    if table is not None:
        table = table.head(top).reset_index(drop=True)
    if table is None or table.empty:
        st.caption("No mentions match, now or in the previous period.")
        return
    picked = chart(view, column, table, key or column, f"mentions per {title.lower()}")
    drill(view, column, picked, key or column)


def drill(view: View, column: str, picked: list, key: str) -> None:
    """The mentions behind selected compared bars: "now" bars as every breakdown drills, "previous" bars as
    that value's mentions in the previous period."""
    now = [p[0] for p in picked if isinstance(p, tuple) and len(p) == 2 and p[1] == "now"]
    before = [p[0] for p in picked if isinstance(p, tuple) and len(p) == 2 and p[1] == "previous"]
    if now:
        blocks.drill(view, column, now, key)
    previous = previous_scope(view.scope)
    if before and previous is not None:
        values = tuple(dict.fromkeys(str(v) for v in before))
        shown = ", ".join(label(column, v) for v in values[:5])
        blocks.scope_panel(
            view,
            previous.narrowed(column, values),
            f"{shown} in the previous period ({period_label(previous)})",
            f"{key}_previous",
            None,
            False,
        )


def scope_drill(view: View, picked: list, scopes_now: dict[str, Scope], key: str, apply) -> None:
    """Like ``drill`` for charts whose values are scopes (text topics, terms): ``scopes_now`` by value."""
    previous = previous_scope(view.scope)
    for pick in picked[:1]:
        if not isinstance(pick, tuple) or len(pick) != 2 or str(pick[0]) not in scopes_now:
            continue
        value, period = str(pick[0]), pick[1]
        scope = scopes_now[value]
        if period == "previous" and previous is not None:
            # The same narrowing (a topic's query, a term) over the previous period's filters.
            scope = Scope(previous.filters, previous.tz, scope.within, ())
            blocks.scope_panel(view, scope, f"{value} in {period_label(previous)}", key, None, False)
        else:
            blocks.scope_panel(view, scope, value, key, lambda v=value: apply(v), True)
