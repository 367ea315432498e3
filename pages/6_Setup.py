"""Setup: steps 1, 3 and 4 of Qualtrics' help page "Integrating with Qualtrics Social Connect", done for you;
step 2 (done in Qualtrics and Social Connect) explained."""

import streamlit as st

from ui import setup_steps
from ui.frame import frame
from ui.secrets import configured

frame("Setup")
st.title("Setup")
st.caption(
    "The integration steps of Qualtrics' help page *Integrating with Qualtrics Social Connect*: the header the "
    "Social Connect webhook sends (step 1), the automation that sends it, set up in Qualtrics and Social Connect "
    "themselves (step 2), the dataset (step 3) and the workflow's mapping (step 4)."
)
preset = configured()
header_tab, automation_tab, dataset_tab, mapping_tab, check_tab = st.tabs(
    [
        "1 · Authorization header",
        "2 · Automation (in Social Connect)",
        "3 · Create the dataset",
        "4 · Workflow mapping",
        "Check a JSON event",
    ]
)

with header_tab:
    setup_steps.header()

with automation_tab:
    setup_steps.automation()

with dataset_tab:
    setup_steps.dataset(preset)

with mapping_tab:
    setup_steps.mapping(preset)

with check_tab:
    setup_steps.check()
