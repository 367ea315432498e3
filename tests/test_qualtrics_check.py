"""Issue 17, first contact: the connection check, both dataset ids, continuation regained, unknown export
statuses, OAuth scopes per operation, no blind replay; against the fake Qualtrics over HTTP."""

from __future__ import annotations

import json

import pytest

from lib.qualtrics.check import FAIL, OK, WARN, check
from lib.qualtrics.client import (
    Credentials,
    NotFound,
    PermissionDenied,
    QualtricsClient,
    QualtricsError,
    ServerError,
    UnknownExportStatus,
)
from lib.qualtrics.export_jobs import FLOWS, ExportRequest, export_dataset
from lib.qualtrics.hosts import base_url, describe
from lib.qualtrics.integration import IDP, create_dataset, mapping_body, workflow_task
from lib.qualtrics.pull import pull
from lib.store.local import Store
from tests.cli_kit import run_cli
from tests.fake_qualtrics import demo_rows
from tests.test_qualtrics import Clock
from tests.test_qualtrics_hostile import echoes

JSON = {"Content-Type": "application/json"}


@pytest.fixture
def fake(fake):
    fake.add_rows("IDP_social", demo_rows(120))
    fake.add_rows("SV_3gbwq8aJgqPwQDP", demo_rows(20, seed=5))
    return fake


def fast(fake=None, **kw):
    """A client factory whose retries and polls take no real time."""

    def make(base: str, creds: Credentials) -> QualtricsClient:
        clock = Clock()
        return QualtricsClient(base, creds, sleep=clock.sleep, clock=clock, max_retries=2, **kw)

    return make


def token_client(fake) -> QualtricsClient:
    return fast()(fake.url, Credentials(api_token=fake.token))


def statuses(steps) -> dict[str, str]:
    return {step.name: step.status for step in steps}


# -- 1. the base URL --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "given,expected,kind",
    [
        ("https://iad1.qualtrics.com/API", "https://iad1.qualtrics.com", "datacenter"),
        ("https://iad1.qualtrics.com/api/v3/", "https://iad1.qualtrics.com", "datacenter"),
        ("https://iad1.qualtrics.com/API/v3/whoami", "https://iad1.qualtrics.com", "datacenter"),
        ("iad1.qualtrics.com/API/v3", "https://iad1.qualtrics.com", "datacenter"),
        ("myorg.fra1", "https://myorg.fra1.qualtrics.com", "org.datacenter"),
        ("mybrand.qualtrics.com", "https://mybrand.qualtrics.com", "brand"),
        ("http://127.0.0.1:8765/API", "http://127.0.0.1:8765", "other"),
        ("https://proxy.example/qualtrics/API/v3", "https://proxy.example/qualtrics", "other"),
    ],
)
def test_base_url_cuts_api_suffixes_and_says_what_it_names(given, expected, kind):
    assert base_url(given) == expected
    assert describe(given).kind == kind


def test_a_good_configuration_passes_every_step_with_an_api_suffix_too(fake):
    for where in (fake.url, fake.url + "/API", fake.url + "/API/v3/"):
        steps = check(where, "IDP_social", Credentials(api_token=fake.token), client=fast())
        assert statuses(steps) == {"Base URL": OK, "Credentials": OK, "Dataset": OK}, steps
    assert "Connected as analyst@example.com" in steps[1].message
    assert "imported-data-projects/IDP_social/exports" in steps[2].message
    assert not any(r[1].endswith("/exports") for r in fake.requests)  # the check starts no export
    survey = check(fake.url, "SV_3gbwq8aJgqPwQDP", Credentials(api_token=fake.token), client=fast())
    assert survey[-1].status == OK and "export-responses" in survey[-1].message


def test_a_brand_host_and_a_wrong_datacenter_are_warnings_that_say_what_to_use(fake):
    (step,) = [s for s in check("mybrand.qualtrics.com", "x", Credentials(), client=fast()) if s.name == "Base URL"]
    assert step.status == WARN and "datacenter id" in step.message
    # The account says fake1; a base URL naming another datacenter gets told which one to use.
    from lib.qualtrics.check import _credentials_step

    step = _credentials_step(token_client(fake), "iad1")
    assert step.status == WARN and "use fake1" in step.message


# -- 1 and 8. each failure case, in plain words, with its exit code ----------------------------------------
def failures(fake):
    return {
        "bad base URL": ("https://user:pw@iad1.qualtrics.com", "IDP_social", fake.token, "Base URL", 2, "plain base"),
        "no credentials": (fake.url, "IDP_social", "", "Credentials", 3, "QUALTRICS_API_TOKEN"),
        "wrong token": (fake.url, "IDP_social", "not-the-token-0123456789", "Credentials", 3, "Account Settings"),
        "unknown project": (fake.url, "dcf04acc768f4ea5", fake.token, "Dataset", 4, "two ids"),
        "unknown survey": (fake.url, "SV_nope", fake.token, "Dataset", 4, "no survey"),
        "an id that is a URL": (fake.url, "https://x/y", fake.token, "Dataset", 2, "id alone"),
        "no id": (fake.url, " ", fake.token, "Dataset", 2, "Give the dataset id"),
    }


@pytest.mark.parametrize(
    "case",
    ["bad base URL", "no credentials", "wrong token", "unknown project", "unknown survey", "an id that is a URL"],
)
def test_each_failure_is_a_failing_step_that_says_what_to_do(fake, case):
    where, dataset_id, token, step_name, code, says = failures(fake)[case]
    steps = check(where, dataset_id, Credentials(api_token=token), client=fast())
    last = steps[-1]
    assert (last.name, last.status, last.exit_code) == (step_name, FAIL, code), steps
    assert says in last.message and "\n" not in last.message
    assert all(s.status != FAIL for s in steps[:-1])


def test_an_unknown_project_id_explains_the_two_ids_and_where_to_find_the_right_one(fake):
    steps = check(fake.url, "ds_from_step_3", Credentials(api_token=fake.token), client=fast())
    message = steps[-1].message
    for words in ("datasetId", "idpSourceId", "Setup page", "Retrieve idpSourceId"):
        assert words in message


def test_an_unreachable_host_and_a_host_that_is_not_qualtrics(fake):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    steps = check(f"http://127.0.0.1:{port}", "IDP_social", Credentials(api_token="x" * 40), client=fast())
    assert steps[-1].status == FAIL and "Could not reach" in steps[-1].message and steps[-1].exit_code == 1
    fake.faults.replies = [(200, {}, b"<html>a login page</html>")] * 3
    steps = check(fake.url, "IDP_social", Credentials(api_token=fake.token), client=fast())
    assert steps[-1].name == "Credentials" and "Check the base URL" in steps[-1].message


def run_check(fake, *args, env_extra=None):
    """``python -m lib check`` (in this process: tests/cli_kit.py), with only the fake's QUALTRICS_ variables."""
    env = {"QUALTRICS_BASE_URL": fake.url, "QUALTRICS_API_TOKEN": fake.token, **(env_extra or {})}
    return run_cli("check", *args, env=env, drop_prefix="QUALTRICS_")


def test_cli_check_passes_on_a_good_configuration_and_fails_each_case_with_its_code(fake):
    good = run_check(fake, "--dataset-id", "IDP_social")
    assert good.returncode == 0, good.stderr
    assert "ok    Credentials: Connected as" in good.stdout and "Ready to pull." in good.stdout
    for case, (where, dataset_id, token, step, code, says) in failures(fake).items():
        if case == "unknown survey":
            continue  # the same path as an unknown project, through the survey lookup (tested above)
        proc = run_check(
            fake,
            "--base-url",
            where,
            "--dataset-id",
            dataset_id,
            env_extra={"QUALTRICS_API_TOKEN": token},
        )
        assert proc.returncode == code, (case, proc.stdout, proc.stderr)
        assert f"FAIL  {step}:" in proc.stdout and says in proc.stdout, case
        assert f"The check failed at: {step}" in proc.stderr
        assert "Traceback" not in proc.stderr and (not token or token not in proc.stdout + proc.stderr)


# -- 2. both ids ------------------------------------------------------------------------------------------
def test_a_dataset_id_that_differs_from_its_projects_id_is_accepted_and_the_id_that_worked_is_logged(fake, tmp_path):
    fake.faults.separate_dataset_ids = True
    created = create_dataset(token_client(fake), "Mentions")
    assert created.dataset_id.startswith("DS_")
    project = fake.dataset_aliases[created.dataset_id]
    fake.add_rows(project, demo_rows(30, seed=4))
    steps = check(fake.url, created.dataset_id, Credentials(api_token=fake.token), client=fast())
    assert steps[-1].status == WARN and project in steps[-1].message and "datasetId" in steps[-1].message

    store = Store(tmp_path / "m.duckdb")
    outcome = pull(store, token_client(fake), created.dataset_id)
    assert (outcome.export_id, outcome.ingest.result.rows_new) == (project, 30)
    log = store.log().iloc[0]
    assert log["dataset_id"] == project and created.dataset_id in log["source"]
    fake.add_rows(project, demo_rows(5, seed=6))
    again = pull(store, token_client(fake), created.dataset_id)
    assert again.mode == "continuation" and again.ingest.result.rows_new == 5  # the token went with the id
    # The project id itself works as well.
    assert check(fake.url, project, Credentials(api_token=fake.token), client=fast())[-1].status == OK


def test_a_pull_of_an_unknown_id_fails_before_any_export_with_the_checks_words(fake, tmp_path):
    store = Store(tmp_path / "m.duckdb")
    with pytest.raises(NotFound, match="two ids"):
        pull(store, token_client(fake), "dcf04acc768f4ea5")
    assert not any(r[0] == "POST" for r in fake.requests)
    assert store.log().iloc[0]["outcome"] == "failed"


# -- 4. continuation regained -----------------------------------------------------------------------------
@pytest.mark.parametrize("token_status", [400, 404, 410])
def test_an_expired_token_adds_exactly_the_new_mentions_and_a_fresh_token_is_got(fake, tmp_path, token_status):
    store = Store(tmp_path / "m.duckdb")
    pull(store, token_client(fake), "IDP_social")
    fake.add_rows("IDP_social", demo_rows(40, seed=99))
    fake.faults.reject_tokens, fake.faults.token_status = True, token_status
    again = pull(store, token_client(fake), "IDP_social")
    assert (again.ingest.result.rows_new, store.count()) == (40, 160)
    assert "lapsed" in again.mode and "new continuation token" in again.mode
    body = fake.export_bodies[-1]
    assert "startDate" in body and body["allowContinuation"] is True and "continuationToken" not in body
    fake.faults.reject_tokens = False
    fake.add_rows("IDP_social", demo_rows(3, seed=7))
    third = pull(store, token_client(fake), "IDP_social")
    assert third.mode == "continuation" and (third.ingest.result.rows_in, third.ingest.result.rows_new) == (3, 3)


def test_where_a_date_and_continuation_do_not_combine_it_asks_by_date_and_tries_again_next_time(fake, tmp_path):
    store = Store(tmp_path / "m.duckdb")
    pull(store, token_client(fake), "IDP_social")
    fake.add_rows("IDP_social", demo_rows(10, seed=12))
    fake.faults.reject_tokens, fake.faults.date_with_token = True, False
    again = pull(store, token_client(fake), "IDP_social")
    assert again.ingest.result.rows_new == 10 and store.count() == 130
    assert fake.export_bodies[-2].get("allowContinuation") and "allowContinuation" not in fake.export_bodies[-1]
    fake.faults.date_with_token = True  # the next pull asks for the pair again, and gets a token
    third = pull(store, token_client(fake), "IDP_social")
    assert "regained" in third.mode and store.log().iloc[0]["continuation_token"].startswith("ct-")


# -- 5. an unknown export status --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "status,shown",
    [("queued", "'queued'"), ("", "''"), (None, "(none)"), ("<img src=x onerror=1>", "unreadable"), (7, "unreadable")],
)
def test_an_unknown_export_status_stops_at_once_and_names_it(fake, status, shown):
    fake.faults.export_status, fake.faults.status_fault = status, True
    with pytest.raises(UnknownExportStatus) as caught:
        export_dataset(token_client(fake), "IDP_social", ExportRequest())
    assert shown in str(caught.value) and "inProgress, complete or failed" in str(caught.value)
    assert "<img" not in str(caught.value)
    assert sum(r[0] == "GET" and "/exports/" in r[1] for r in fake.requests) == 1  # one poll, no more


def test_other_spellings_of_the_documented_statuses_are_understood(fake):
    fake.faults.export_status, fake.faults.status_fault = "in_progress", True
    fake.faults.polls_per_export = 0
    with pytest.raises(QualtricsError, match=r"deadline|did not finish"):
        export_dataset(fast(deadline=5)(fake.url, Credentials(api_token=fake.token)), "IDP_social", ExportRequest())


# -- 6. OAuth scopes per operation ------------------------------------------------------------------------
def test_a_missing_read_scope_is_named_by_the_check_and_by_the_403(fake):
    client_id, secret = fake.add_client(scopes={"read:users", "read:survey_responses"})
    steps = check(fake.url, "IDP_social", Credentials(client_id=client_id, client_secret=secret), client=fast())
    assert statuses(steps)["OAuth scopes"] == WARN and "read:imported_data_projects" in steps[2].message
    assert steps[-1].status == FAIL and steps[-1].exit_code == 3
    assert "needs the scope read:imported_data_projects" in steps[-1].message
    assert secret not in json.dumps([s.message for s in steps])
    # The token was asked with scopes it lacks (invalid_scope), then with none, which gave the client's own.
    token_calls = [r for r in fake.requests if r[1] == "/oauth2/token"]
    assert len(token_calls) == 2


def test_granted_scopes_pass_and_manage_all_covers_everything(fake):
    for granted in ({"read:imported_data_projects", "read:users"}, {"manage:all"}):
        client_id, secret = fake.add_client(scopes=granted)
        steps = check(fake.url, "IDP_social", Credentials(client_id=client_id, client_secret=secret), client=fast())
        assert all(s.status == OK for s in steps), steps


def test_an_oauth_answer_that_does_not_say_its_scopes_is_fine(fake):
    client_id, secret = fake.add_client()
    fake.faults.say_scope = False
    steps = check(fake.url, "IDP_social", Credentials(client_id=client_id, client_secret=secret), client=fast())
    assert statuses(steps)["OAuth scopes"] == OK and "did not say" in steps[2].message


def test_create_dataset_asks_for_a_write_scope_and_a_403_names_it(fake):
    client_id, secret = fake.add_client(scopes={"read:imported_data_projects", "read:users"})
    creds = Credentials(client_id=client_id, client_secret=secret)
    with pytest.raises(PermissionDenied, match="write:imported_data_projects"):
        create_dataset(fast()(fake.url, creds), "Mentions")
    client_id, secret = fake.add_client(scopes={"write:imported_data_projects", "read:imported_data_projects"})
    made = create_dataset(fast()(fake.url, Credentials(client_id=client_id, client_secret=secret)), "Mentions")
    assert made.dataset_id in fake.datasets


# -- 7. no blind retry ------------------------------------------------------------------------------------
def test_an_export_start_without_a_token_is_sent_again_after_a_5xx(fake, tmp_path):
    fake.faults.start_fails_after_starting = 1
    outcome = pull(Store(tmp_path / "m.duckdb"), token_client(fake), "IDP_social")
    assert outcome.ingest.result.rows_new == 120 and len(fake.jobs) == 2  # the lost job is harmless, unused


def test_an_export_start_with_a_token_is_never_sent_twice(fake, tmp_path):
    store = Store(tmp_path / "m.duckdb")
    pull(store, token_client(fake), "IDP_social")
    fake.add_rows("IDP_social", demo_rows(8, seed=21))
    fake.faults.start_fails_after_starting = 1
    again = pull(store, token_client(fake), "IDP_social")
    token_starts = [b for b in fake.export_bodies if "continuationToken" in b]
    assert len(token_starts) == 1  # not replayed: it may have spent the token
    assert again.ingest.result.rows_new == 8 and "lapsed" in again.mode  # by date instead, nothing lost


def test_creating_a_dataset_is_never_sent_twice_after_a_5xx(fake):
    fake.faults.before = [(503, {})]
    with pytest.raises(ServerError, match="look under Projects"):
        create_dataset(token_client(fake), "Mentions")
    assert sum(r[1] == "/API/v3/datasets" for r in fake.requests) == 1


# -- 3. setup after the fallback ---------------------------------------------------------------------------
def test_after_the_idp_fallback_the_mapping_writes_records_to_the_project(fake):
    fake.faults.no_datasets_api = True
    created = create_dataset(token_client(fake), "Mentions")
    assert created.api == IDP
    task = workflow_task("acme", "iad1", created.dataset_id, created.api)
    assert task["url"] == f"https://acme.iad1.qualtrics.com/API/v3/imported-data-projects/{created.dataset_id}/records"
    assert task["body"] == {"records": [mapping_body()]} and "/data" not in task["url"]
    # What the workflow would send, with its piped text filled in, is the documented write: the fake takes it.
    record = {k: f"value of {k}" for k in task["body"]["records"][0]}
    token_client(fake).request_json("POST", task["url"].split("/API/v3/", 1)[1], json={"records": [record]})
    assert fake.records[created.dataset_id] == [record]


def test_a_refused_field_list_is_retried_with_the_key_field_alone_and_says_what_to_add(fake):
    fake.faults.datasets_key_only = True
    created = create_dataset(token_client(fake), "Mentions")
    assert created.key_only and "field editor" in created.note
    first, second = fake.created[-2:]
    assert len(first[1]["fields"]) > 1 and second[1]["fields"] == [{"name": "uniqueId", "type": "string"}]
    assert second[1]["createProject"] is True and second[1]["primaryKey"] == "uniqueId"  # the help page's body


@pytest.mark.parametrize("answer", [{}, {"datasetId": None}, {"datasetId": ""}, {"datasetId": ["x"]}])
def test_a_create_answer_without_an_id_is_a_message_not_a_keyerror(fake, answer):
    fake.faults.replies = [(200, JSON, json.dumps({"result": answer}).encode())]
    with pytest.raises(QualtricsError, match="no datasetId"):
        create_dataset(token_client(fake), "Mentions")


def test_flows_table_is_untouched():
    assert FLOWS["dataset"].start == "imported-data-projects/{id}/exports"


# -- what the check reads from a server, hostile ---------------------------------------------------------
def _whoami(h):
    return json.dumps({"result": {"userName": echoes(h["X-API-TOKEN"])["base64"], "brandId": "[x](http://e)"}}).encode()


HOSTILE_LOOKUPS = {
    "a result that is a list": (b'{"result": []}', FAIL, "without a result"),
    "fields of junk": (b'{"result": {"fields": [1, null, {"name": 5}, {"name": "uniqueId"}]}}', WARN, "1 of the 30"),
    "a name of a megabyte": (json.dumps({"result": {"name": "n" * 2**20}}).encode(), OK, "nnnn"),
    "names that echo the token": (
        lambda h: json.dumps(
            {"result": {"name": h["X-API-TOKEN"], "uniqueField": echoes(h["X-API-TOKEN"])["basic header"]}}
        ).encode(),
        OK,
        "***",
    ),
    "not JSON": (b"<html>", FAIL, "not a JSON object"),
}


@pytest.mark.parametrize("case", list(HOSTILE_LOOKUPS))
def test_a_hostile_lookup_reply_is_a_short_line_without_credentials(fake, case):
    from tests.test_qualtrics_hostile import leaked

    body, status, says = HOSTILE_LOOKUPS[case]
    fake.faults.replies = [(200, JSON, _whoami), (200, JSON, body)]
    steps = check(fake.url, "IDP_social", Credentials(api_token=fake.token), client=fast())
    last = steps[-1]
    assert (last.name, last.status) == ("Dataset", status) and says in last.message, steps
    assert len(last.message) < 1200 and "\n" not in last.message
    assert not leaked(json.dumps([s.message for s in steps]), fake.token)


def test_an_oauth_client_without_read_users_is_warned_about_and_the_check_goes_on(fake):
    client_id, secret = fake.add_client(scopes={"read:imported_data_projects"})
    steps = check(fake.url, "IDP_social", Credentials(client_id=client_id, client_secret=secret), client=fast())
    assert statuses(steps) == {"Base URL": OK, "Credentials": WARN, "OAuth scopes": OK, "Dataset": OK}, steps
    assert "read:users" in steps[1].message
