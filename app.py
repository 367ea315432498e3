"""Overview: KPI cards and mention volume over time, for the filtered mentions."""

import streamlit as st

from lib.queries.kpis import kpi_cards
from ui import rising_view, sections
from ui.frame import frame

view = frame("Overview")
st.title("Overview")
st.caption(f"{view.matched:,} mentions · times in {view.tz}")
for column, kpi in zip(st.columns(4), kpi_cards(view.q, view.scope), strict=True):
    column.metric(
        kpi.name,
        kpi.value,
        kpi.delta,
        delta_color="off" if kpi.steady else "inverse" if kpi.inverse else "normal",
        delta_arrow="off" if kpi.steady else "auto",
        help=kpi.help,
        border=True,
    )
if view.filters.start is None:
    st.caption("Pick a date range in the sidebar to compare each number with the period just before it.")
sections.volume(view, with_spikes=False)
sections.breakdown_grid(view, [("sourceService", "Top sources"), ("messageLanguage", "Languages")])
rising_view.overview(view)
