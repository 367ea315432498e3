"""The Setup page's steps: those of Qualtrics' help page "Integrating with Qualtrics Social Connect" that the
app can do for you (the header, the dataset, the workflow's mapping) and the one it can only explain (the
automation in Social Connect), plus a check of a captured JSON event."""

from __future__ import annotations

import json

import streamlit as st

from lib.errors import ExplorerError
from lib.qualtrics.client import Credentials, QualtricsClient
from lib.qualtrics.integration import (
    DATASETS,
    IDP,
    auth_header,
    check_event,
    create_dataset,
    dataset_request,
    workflow_task,
)
from ui.escape import code, md
from ui.secrets import Connection, credentials_for


def header() -> None:
    """Step 1: the Authorization header the Social Connect webhook sends, masked until the user reveals it."""
    username = st.text_input("Qualtrics username", help="Usually your login email. With SSO, keep the #… part.")
    token = st.text_input(
        "API token",
        type="password",
        help="Account Settings → Qualtrics IDs. Don't generate a "
        "new one if you have one: that would break other integrations.",
    )
    if username and token:
        try:
            header = auth_header(username, token)
        except ExplorerError as exc:
            st.error(md(exc))
        else:
            if st.toggle("Show the header", help="It contains your token: show it only to copy it."):
                st.code(header, language=None)
                st.caption("Paste it into the Authorization Header field of the Social Connect automation recipe.")
            else:
                st.code("Basic " + "•" * 24, language=None)


def automation() -> None:
    """Step 2, done in Qualtrics and Social Connect: what to do there, in short, from the help page."""
    st.markdown(
        "This step is done in Qualtrics and in Social Connect, not here: there is nothing this app can do for "
        "you in it. In short, from the help page:"
    )
    st.markdown(
        "1. In Qualtrics, **Workflows → Create a workflow → Started by an event → JSON Event**, and **Copy URL**: "
        "the event endpoint.\n"
        "2. In Social Connect, **Account Settings → Overview → Automation Recipes → On Case Update → Add "
        "Automation Recipe**; name it.\n"
        "3. Trigger: **Mention** *Was created*; pick the topics to monitor (**+**) and filter the mentions you "
        "want.\n"
        "4. Action: **Trigger Webhook**. URL: the event endpoint copied in point 1 above. Authorization "
        "Header: the header of step 1 (tab 1).\n"
        "5. If tags are fetched by an API call, enable **Delay** (10 minutes or more), so tags are on the "
        "mentions before they are sent. Then **Add**."
    )
    st.caption(
        "To test it, post a new mention (or wait for one), open the JSON event in the Qualtrics workflow, and "
        "paste it into *Check a JSON event* (last tab): it shows which dataset fields step 4 will find."
    )


def dataset(preset: Connection) -> None:
    """Step 3: create the dataset (or, where that API is refused, an imported data project) in Qualtrics."""
    name = st.text_input("Dataset name", "Social Connect mentions")
    where = st.text_input("Datacenter or base URL", preset.where, key="setup_where")
    typed = st.text_input(
        "API token ",
        type="password",
        key="setup_token",
        placeholder=f"configured in {preset.source}" if preset.credentials.api_token else "",
    )
    with st.expander("The request"):
        st.json(dataset_request(name or "?"))
    creds, note = credentials_for(where, preset, Credentials(api_token=typed.strip()))
    if note:
        st.warning(note, icon=":material/key:")
    if st.button("Create the dataset", type="primary", disabled=not (name and where and creds.kind)):
        try:
            created = create_dataset(QualtricsClient(where, creds, deadline=60), name)
        except ExplorerError as exc:
            st.error(md(exc))
        else:
            st.success(
                f"Created through /API/v3/{created.api}. Dataset id: **{md(created.dataset_id)}** — use it in "
                "step 4 and on the Data page."
            )
            if created.note:
                st.warning(md(created.note), icon=":material/playlist_add:")
            st.session_state["setup_dataset_id"] = created.dataset_id
            st.session_state["setup_dataset_api"] = created.api


def mapping(preset: Connection) -> None:
    """Step 4: the workflow's web service task, for the API that created the dataset."""
    left, middle, right = st.columns(3)
    brand = left.text_input("Brand id", help="Your Qualtrics organization id")
    datacenter = middle.text_input("Datacenter id", help="e.g. iad1")
    dataset_id = right.text_input("Dataset id", st.session_state.get("setup_dataset_id", preset.dataset_id))
    apis = (DATASETS, IDP)
    api = st.radio(
        "Step 3 created it through",
        apis,
        index=apis.index(st.session_state.get("setup_dataset_api", DATASETS)),
        format_func=lambda a: f"/API/v3/{a}" + (" (the help page)" if a == DATASETS else " (the fallback)"),
        horizontal=True,
        help="Step 3 says which. A dataset created as an imported data project is written through its "
        "documented records call.",
    )
    if brand and datacenter and dataset_id:
        try:
            task = workflow_task(brand, datacenter, dataset_id, api)
        except ExplorerError as exc:
            st.error(md(exc))
        else:
            st.markdown(
                f"**Token endpoint:** {code(task['token_endpoint'])}  \n**POST** {code(task['url'])}  \n"
                "**Header:** `Authorization: Bearer ` then your QSC account, picked from the piped text icon (`{a}`)."
            )
            st.markdown(
                "**Body** (JSON key-value pairs): every dataset field and its piped text"
                + (", as one record of `records`" if api == IDP else "")
            )
            st.json(task["body"])
            st.download_button(
                "Download the task (JSON)", json.dumps(task, indent=2), "webservice-task.json", "application/json"
            )


def check() -> None:
    """A JSON event as the workflow captured it, each dataset field checked against it."""
    st.caption(
        "Paste one mention as the workflow's JSON event captured it (or upload it): each dataset field is "
        "checked against it."
    )
    pasted = st.text_area("JSON event", height=160)
    upload = st.file_uploader("or a file", type=["json"], max_upload_size=5)
    sample = upload.getvalue().decode("utf-8", "replace") if upload else pasted
    if sample.strip():
        try:
            checks = check_event(sample)
        except ExplorerError as exc:
            st.error(md(exc))
        else:
            found = sum(c.status == "found" for c in checks)
            st.markdown(f"**{found} of {len(checks)}** fields found where the mapping looks for them.")
            st.dataframe([c.__dict__ for c in checks], hide_index=True, width="stretch")
