"""The Data page's Qualtrics connection: the form, the connection check (the steps of ``python -m lib check``,
lib/qualtrics/check.py), and a pull running in the background."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from lib.errors import ExplorerError
from lib.qualtrics.background import current_job, job_status, start_pull
from lib.qualtrics.check import FAIL, WARN, Step, check
from lib.qualtrics.client import Credentials
from lib.qualtrics.export_jobs import FLOWS
from ui.config import data_dir, store_path
from ui.escape import md
from ui.secrets import Connection, configured, credentials_for


def connection_form() -> tuple[Connection, str] | None:
    """The form; returns the connection to use and the export flow, or None if incomplete."""
    preset = configured()
    with st.container(border=True):
        left, right = st.columns(2)
        where = left.text_input(
            "Datacenter or base URL",
            preset.where,
            placeholder="iad1, myorg.iad1 or https://iad1.qualtrics.com",
            help="Account Settings → Qualtrics IDs shows your datacenter.",
        )
        dataset_id = right.text_input(
            "Dataset id",
            preset.dataset_id,
            help="The id that creating the dataset returned (datasetId), or a survey id SV_…",
        )
        method = st.radio(
            "Authentication",
            ("API token", "OAuth client credentials"),
            horizontal=True,
            index=1 if preset.credentials.kind == "oauth" else 0,
        )
        if method == "API token":
            typed = st.text_input("API token", type="password", placeholder=_placeholder(preset, "api_token"))
            entered = Credentials(api_token=typed.strip())
        else:
            client_id = st.text_input("Client ID", preset.credentials.client_id).strip()
            typed = st.text_input("Client secret", type="password", placeholder=_placeholder(preset, "client_secret"))
            entered = Credentials(client_id=client_id, client_secret=typed.strip())
        creds, note = credentials_for(where, preset, entered)
        flow = st.selectbox(
            "Export flow",
            ("auto", *FLOWS),
            help="auto: survey export for SV_ ids, the dataset "
            "(imported data project) export otherwise. Change it only if your tenant differs.",
        )
    if note:
        st.warning(note, icon=":material/key:")
    if not where or not dataset_id or not creds.kind:
        st.caption("Fill in the datacenter, the dataset id and credentials to test the connection or pull.")
        return None
    return replace(preset, where=where, dataset_id=dataset_id, credentials=creds), "" if flow == "auto" else flow


def _placeholder(preset: Connection, field: str) -> str:
    if getattr(preset.credentials, field):
        return f"configured in {preset.source}; type here to use another"
    return "not shown once typed"


_MARK = {FAIL: ":red[:material/cancel:]", WARN: ":orange[:material/warning:]"}


def test_connection(connection: Connection, flow: str = "") -> list[Step]:
    """Run the connection check and show its steps: a summary box, each step on a line of its own."""
    with st.spinner("Checking the connection…"):
        steps = check(connection.where, connection.dataset_id, connection.credentials, flow=flow)
    lines = "\n".join(
        f"- {_MARK.get(step.status, ':green[:material/check_circle:]')} **{md(step.name)}**: {md(step.message)}"
        for step in steps  # every message is text: it can quote what a server sent
    )
    failed = next((step for step in steps if step.status == FAIL), None)
    warned = sum(step.status == WARN for step in steps)
    if failed:
        st.error(f"**The check failed at: {md(failed.name)}.** Fix it and test again.\n\n{lines}")
    elif warned:
        st.warning(f"**Ready to pull, with {warned} warning{'s' if warned > 1 else ''}.**\n\n{lines}")
    else:
        st.success(f"**Ready to pull.**\n\n{lines}")
    return steps


def start(connection: Connection, flow: str) -> None:
    try:
        start_pull(
            data_dir(),
            where=connection.where,
            dataset_id=connection.dataset_id,
            store=store_path(),
            credentials=connection.credentials,
            flow=flow,
        )
    except ExplorerError as exc:
        st.error(md(exc))


@st.fragment(run_every=1.0)
def pull_progress() -> None:
    """The running (or last) pull, refreshed every second without rerunning the page."""
    job = current_job(data_dir())
    if job is None:
        return
    status = job_status(job)
    watching = st.session_state.get("sce_pull_running", False)
    st.session_state["sce_pull_running"] = status["running"]
    if watching and not status["running"]:
        st.rerun(scope="app")  # the pull just ended: refresh the whole page (log, counts, model)
    if status["running"]:
        phase, value = status.get("phase", "starting"), status.get("value", 0.0)
        if phase == "downloading":
            st.progress(1.0, text=f"Pulling {md(job.dataset_id)}: downloading, {value / 1e6:,.1f} MB so far")
        else:
            st.progress(min(float(value), 1.0), text=f"Pulling {md(job.dataset_id)}: {md(phase)}…")
        st.caption("The pull runs on its own: you can switch pages or close this tab.")
    elif status.get("error"):
        st.error(f"The last pull of {md(job.dataset_id)} failed: {md(status['error'])}")
    else:
        st.success(
            f"Last pull of {md(job.dataset_id)} ({md(status.get('mode', ''))}): {status.get('rows_new', 0):,} new, "
            f"{status.get('rows_updated', 0):,} updated, {status.get('rows_rejected', 0):,} rejected rows."
        )
        if status.get("alerts"):
            st.caption(f":material/notifications: {md(status['alerts'])}")
