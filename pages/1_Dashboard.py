"""Dashboard: volume with spikes, every breakdown, the map, a cross-tab, authors and what the text links to."""

import streamlit as st

from lib.queries.breakdowns import DASHBOARD_BREAKDOWNS
from ui import sections
from ui.frame import frame

view = frame("Dashboard")
st.title("Dashboard")
st.caption(
    f"{view.matched:,} matching mentions · times in {view.tz} · every percentage is of the {view.matched:,} "
    "matching mentions unless it says otherwise · select bars or countries to see the mentions behind them"
)
sections.volume(view, with_spikes=True)
sections.breakdown_grid(view, list(DASHBOARD_BREAKDOWNS))
sections.countries(view)
sections.crosstab(view)
sections.authors(view)
sections.entities(view)
