"""The help page's steps 1, 3 and 4, checked against independent computations and the seed's table."""

import base64
import codecs
import json
from pathlib import Path

import pytest

from lib.qualtrics.client import AuthError, Credentials, QualtricsClient, QualtricsError
from lib.qualtrics.integration import (
    auth_header,
    check_event,
    create_dataset,
    dataset_request,
    mapping_body,
    workflow_task,
)
from tests.cli_kit import run_cli
from tests.test_schema import SEED_TABLE

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "username,token",
    [
        ("barnaby@qualtrics.com", "63V9BuO9wMyvgo9HOf1OpeTOrhkvYGiRx1yMGrki"),  # the help page's example string
        ("jane.doe@corp.example#corpsso", "tok3n-with.dots_and-dashes"),  # SSO: the # part stays
        ("émile@exemple.fr", "Ünïcödé"),
    ],
)
def test_auth_header_is_the_exact_base64_of_what_was_typed(username, token):
    expected = "Basic " + codecs.encode(f"{username}:{token}".encode(), "base64").decode().replace("\n", "")
    assert auth_header(username, token) == expected
    assert base64.b64decode(auth_header(username, token).split(" ", 1)[1]).decode() == f"{username}:{token}"


def test_the_help_pages_own_base64_does_not_match_its_example_and_ours_does():
    page = "YmFybmFieUBxdWFsdHJpY3MuY29tOjYzVjhCdU85V015dmcwOUlPZjFPcDhUT3Joa3ZZR2lSeDF5TUdaa2k="
    ours = auth_header("barnaby@qualtrics.com", "63V9BuO9wMyvgo9HOf1OpeTOrhkvYGiRx1yMGrki")
    assert ours != f"Basic {page}"
    assert base64.b64decode(page).decode() != "barnaby@qualtrics.com:63V9BuO9wMyvgo9HOf1OpeTOrhkvYGiRx1yMGrki"


@pytest.mark.parametrize("username,token", [("", "t"), ("u", ""), ("a:b", "t")])
def test_auth_header_refuses_what_cannot_work(username, token):
    with pytest.raises(QualtricsError):
        auth_header(username, token)


def test_dataset_request_has_every_field_of_the_seed_table_with_uniqueid_as_key():
    body = dataset_request("Social mentions")
    assert (body["name"], body["primaryKey"], body["createProject"]) == ("Social mentions", "uniqueId", True)
    assert [f["name"] for f in body["fields"]] == [name for name, _, _ in SEED_TABLE]
    types = {f["name"]: f["type"] for f in body["fields"]}
    assert types.pop("uniqueId") == "string" and set(types.values()) == {"open-text"}


def test_mapping_maps_every_seed_field_to_its_piped_text():
    assert mapping_body() == {name: piped for name, piped, _ in SEED_TABLE}
    task = workflow_task("acme", "iad1", "ds123")
    assert task["url"] == "https://acme.qualtrics.com/API/v3/datasets/ds123/data"
    assert task["token_endpoint"] == "https://acme.iad1.qualtrics.com/oauth2/token"
    assert task["headers"]["Authorization"].startswith("Bearer ")
    with pytest.raises(QualtricsError, match="brand id"):
        workflow_task("ac me", "iad1", "ds123")


def test_create_dataset_against_the_fake(fake):
    created = create_dataset(QualtricsClient(fake.url, Credentials(api_token=fake.token)), "Mentions")
    assert created.api == "datasets" and created.dataset_id in fake.datasets
    api, body = fake.created[-1]
    assert api == "datasets" and body == dataset_request("Mentions")


def test_create_dataset_falls_back_to_imported_data_projects_on_404(fake):
    fake.faults.no_datasets_api = True
    created = create_dataset(QualtricsClient(fake.url, Credentials(api_token=fake.token)), "Mentions")
    assert created.api == "imported-data-projects" and len(created.dataset_id) == 16
    api, body = fake.created[-1]
    assert api == "imported-data-projects"
    assert body["uniqueField"] == "uniqueId" and len(body["fields"]) == len(SEED_TABLE)


def test_create_dataset_with_a_bad_token(fake):
    with pytest.raises(AuthError, match="401"):
        create_dataset(QualtricsClient(fake.url, Credentials(api_token="nope" * 10)), "Mentions")


@pytest.mark.parametrize("country_key", ["country", "country_code"])
def test_check_event_finds_fields_other_spellings_and_missing_tags(country_key):
    event = {
        "id": "4376",
        "unique_id": "46283_4376",
        "message": {"content": "<p>hi</p>", "language": "fr"},
        "author": {"name": "jdupont"},
        "location": {country_key: "NA"},
        "date": {"added": 1668629719},
    }
    checks = {c.field: c for c in check_event(json.dumps(event))}
    assert checks["uniqueId"].status == "found" and checks["uniqueId"].value == "46283_4376"
    assert checks["messageLanguage"].value == "fr" and checks["dateAdded"].value == "1668629719"
    country = checks["locationCountry"]
    assert country.value == "NA"
    assert country.status == ("found" if country_key == "country" else "other spelling")
    assert "not in webhook payloads" in checks["tags"].note and checks["tags"].status == "missing"
    with pytest.raises(QualtricsError, match="not valid JSON"):
        check_event("{oops")


def test_cli_setup_steps(fake, tmp_path):
    header = run_cli("setup", "auth-header", "--username", "jane#sso", env={"QUALTRICS_API_TOKEN": "abc"})
    assert header.returncode == 0 and header.stdout.strip() == auth_header("jane#sso", "abc")
    created = run_cli(
        "setup", "create-dataset", "--name", "Mentions", "--base-url", fake.url, env={"QUALTRICS_API_TOKEN": fake.token}
    )
    assert created.returncode == 0, created.stderr
    dataset_id = created.stdout.strip().rsplit(" ", 1)[1]
    assert dataset_id in fake.datasets and fake.token not in created.stdout + created.stderr
    out = tmp_path / "task.json"
    mapping = run_cli(
        "setup",
        "mapping",
        "--brand-id",
        "acme",
        "--datacenter-id",
        "iad1",
        "--dataset-id",
        dataset_id,
        "--out",
        str(out),
    )
    assert mapping.returncode == 0 and json.loads(out.read_text())["body"]["uniqueId"] == "~{aed://unique_id}"


def test_setup_page_masks_the_header_until_shown_and_builds_the_mapping(app_env):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page("pages/6_Setup.py")
    at.run()
    by_label = {t.label: t for t in at.text_input}
    by_label["Qualtrics username"].input("jane#sso")
    by_label["API token"].input("s3cret-token").run()
    assert all("s3cret" not in c.value and "amFuZSNzc28" not in c.value for c in at.code)
    assert any(c.value.startswith("Basic ••") for c in at.code)
    at.toggle[0].set_value(True).run()
    assert any(c.value == auth_header("jane#sso", "s3cret-token") for c in at.code)
    by_label = {t.label: t for t in at.text_input}
    by_label["Brand id"].input("acme")
    by_label["Datacenter id"].input("iad1")
    by_label["Dataset id"].input("ds1").run()
    assert not at.exception
    assert any("https://acme.qualtrics.com/API/v3/datasets/ds1/data" in m.value for m in at.markdown)
