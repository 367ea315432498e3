"""A fake Qualtrics server on 127.0.0.1 that speaks the documented protocol, for tests and demos.

Run by hand (it prints the token to use):

    python -m tests.fake_qualtrics --port 8765 --rows 5000

then, in another shell:

    QUALTRICS_BASE_URL=http://127.0.0.1:8765 QUALTRICS_API_TOKEN=<printed token> \\
        QUALTRICS_DATASET_ID=IDP_demo python -m lib pull

What it implements, with the envelopes ``{"result": …, "meta": {"httpStatus", "requestId", "error"?}}``:
``GET /API/v3/whoami``; ``POST /oauth2/token`` (client credentials, Basic client auth, expiring
tokens); the dataset export flow ``imported-data-projects/{id}/exports`` (``jobId``) and the survey flow
``surveys/{SV_…}/export-responses`` (``progressId``), each with start, progress (``fileId`` only once
complete, ``continuationToken`` when asked for) and file download (zip or raw; CSV with 1 or 3 header
rows); ``POST /API/v3/datasets`` (the help page's dataset creation); lookups ``GET imported-data-projects/{id}``
(the definition: name, ``uniqueField``, fields), ``GET surveys/{SV_…}`` and, for a tenant whose datasetIds differ
from the project ids (``Faults.separate_dataset_ids``), ``GET datasets/{id}`` naming its project;
``POST imported-data-projects/{id}/records`` (``{"records": [...]}``, the documented IDP write). OAuth clients
may have granted scopes (``add_client(scopes=...)``): asking for others is ``invalid_scope``, each call checks
its scope, and the token answer says the scope or not (``Faults.say_scope``). Errors: 400 ``ATP_2`` without
credentials, 401 ``DCD_7`` for a bad token, 403 for a token without access, 404 for unknown ids; and
injected faults: 429 with or without ``Retry-After``, 503, slow or failed exports, slow downloads, and
hostile replies (``Faults.replies``: any status, headers and body, a body made from the request's headers
to echo its credentials back, a dropped connection, a body cut short).
"""

from __future__ import annotations

import argparse
import base64
import csv
import functools
import io
import json
import secrets
import threading
import time
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

HTTP_STATUS = {
    200: "200 - OK",
    400: "400 - Bad Request",
    401: "401 - Unauthorized",
    403: "403 - Forbidden",
    404: "404 - Not Found",
    429: "429 - Too Many Requests",
    500: "500 - Internal Server Error",
    503: "503 - Temporary Internal Server Error",
}


@dataclass
class Dataset:
    columns: list[str]
    rows: list[dict[str, str]] = field(default_factory=list)  # each with a hidden "_recorded" ISO time
    name: str = ""
    unique_field: str = "uniqueId"


@dataclass
class Job:
    dataset_id: str
    rows: list[dict[str, str]]
    polls_left: int
    fail: bool
    continuation: str | None
    file_id: str = field(default_factory=lambda: f"{uuid.uuid4()}-def")


@dataclass
class Faults:
    """Faults to inject. Each list is consumed one request at a time, from the front."""

    before: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # (status, headers) for any request
    polls_per_export: int = 1  # progress calls answering inProgress before complete
    fail_exports: int = 0  # the next N exports report failed
    download_delay: float = 0.0  # seconds between 64 KiB chunks of a file
    zip_files: bool = True
    header_rows: int = 3  # 1 or 3 (Qualtrics' names, descriptions, ImportId JSON)
    reject_tokens: bool = False  # answer a continuationToken with token_status (an expired token)
    token_status: int = 400  # how a rejected continuation token is answered (any 4xx)
    date_with_token: bool = True  # accept startDate together with allowContinuation (else 400, as a filter)
    export_status: object = None  # with status_fault: the progress answers this status (any JSON value) instead
    status_fault: bool = False
    start_fails_after_starting: int = 0  # the next N export starts create the job, then answer 503
    separate_dataset_ids: bool = False  # POST /datasets returns a datasetId other than its project's id
    datasets_key_only: bool = False  # POST /datasets answers 400 to a field list beyond the key field
    say_scope: bool = True  # the OAuth token answer lists the granted scopes
    no_datasets_api: bool = False  # answer POST /datasets with 404, as a tenant without that API would
    # Raw replies for the next requests, from the front: (status, headers, body). The body may be a function
    # of the request's headers (to echo credentials back). Status DROP closes the connection without a
    # reply; TRUNCATE announces the body's length plus 1,000 bytes, sends it, and closes.
    replies: list[tuple[int, dict[str, str], bytes | Callable[[dict[str, str]], bytes]]] = field(default_factory=list)


DROP, TRUNCATE = 0, -1


class FakeQualtrics:
    """The state behind the server: credentials, datasets, jobs, and the faults to inject."""

    def __init__(self):
        self.api_tokens: set[str] = set()
        self.forbidden_tokens: set[str] = set()
        self.clients: dict[str, str] = {}  # OAuth client id -> secret
        self.client_scopes: dict[str, set[str]] = {}  # OAuth client id -> granted scopes (absent: any asked)
        self.bearer: dict[str, float] = {}  # access token -> expiry (monotonic)
        self.bearer_scopes: dict[str, set[str] | None] = {}  # access token -> its scopes (None: any)
        self.dataset_aliases: dict[str, str] = {}  # datasetId -> project id (separate_dataset_ids)
        self.records: dict[str, list[dict]] = {}  # project id -> records posted to it
        self.token_lifetime = 3600
        self.datasets: dict[str, Dataset] = {}
        self.jobs: dict[str, Job] = {}
        self.files: dict[str, Job] = {}
        self.faults = Faults()
        self.requests: list[tuple[str, str, dict]] = []  # (method, path, headers) seen, for assertions
        self.export_bodies: list[dict] = []  # the body of every export start, for assertions
        self.created: list[tuple[str, dict]] = []  # (api, body) of every dataset creation
        self.lock = threading.Lock()

    # -- setup ---------------------------------------------------------------------------------
    def add_token(self, token: str | None = None) -> str:
        token = token or secrets.token_hex(20)
        self.api_tokens.add(token)
        return token

    def add_client(self, scopes: set[str] | None = None) -> tuple[str, str]:
        client_id, secret = f"client-{secrets.token_hex(4)}", secrets.token_urlsafe(24)
        self.clients[client_id] = secret
        if scopes is not None:
            self.client_scopes[client_id] = set(scopes)
        return client_id, secret

    def add_rows(self, dataset_id: str, rows: list[dict[str, str]], recorded: datetime | None = None) -> None:
        stamp = (recorded or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
        with self.lock:
            ds = self.datasets.setdefault(dataset_id, Dataset(columns=list(rows[0]) if rows else []))
            for row in rows:
                for key in row:
                    if key not in ds.columns:
                        ds.columns.append(key)
                ds.rows.append({**row, "_recorded": stamp})

    # -- file building -------------------------------------------------------------------------
    def render(self, job: Job) -> tuple[bytes, str]:
        ds = self.datasets[job.dataset_id]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(ds.columns)
        if self.faults.header_rows == 3:
            writer.writerow([c.replace("message", "Message ") for c in ds.columns])
            writer.writerow([json.dumps({"ImportId": c}) for c in ds.columns])
        for row in job.rows:
            writer.writerow([row.get(c, "") for c in ds.columns])
        data = ("\ufeff" + out.getvalue()).encode()
        if not self.faults.zip_files:
            return data, "text/csv"
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"{job.dataset_id}.csv", data)
        return buffer.getvalue(), "application/zip"


class Handler(BaseHTTPRequestHandler):
    server_version = "FakeQualtrics/1.0"
    state: FakeQualtrics

    def log_message(self, *args):  # keep test output quiet
        pass

    # -- envelopes -----------------------------------------------------------------------------
    def _send(self, status: int, payload: dict | None = None, headers: dict | None = None) -> None:
        body = json.dumps(payload or {}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def ok(self, result: dict) -> None:
        self._send(200, {"result": result, "meta": {"httpStatus": HTTP_STATUS[200], "requestId": str(uuid.uuid4())}})

    def error(self, status: int, code: str, message: str, headers: dict | None = None) -> None:
        meta = {
            "httpStatus": HTTP_STATUS.get(status, str(status)),
            "requestId": str(uuid.uuid4()),
            "error": {"errorCode": code, "errorMessage": message},
        }
        self._send(status, {"meta": meta}, headers)

    def _json_body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw or b"{}")
        except ValueError:
            return {"__raw__": raw.decode(errors="replace")}

    # -- auth ----------------------------------------------------------------------------------
    def _authorised(self) -> bool:
        s = self.state
        token = self.headers.get("X-API-TOKEN")
        bearer = self.headers.get("Authorization", "")
        if token:
            if token in s.forbidden_tokens:
                self.error(403, "RBC_1", "You do not have permission to access this resource.")
                return False
            if token not in s.api_tokens:
                self.error(401, "DCD_7", "Unrecognized X-API-TOKEN.")
                return False
            return True
        if bearer.startswith("Bearer "):
            expiry = s.bearer.get(bearer[7:])
            if expiry is None or expiry < time.monotonic():
                self.error(401, "AUTH_3", "Access token expired or invalid.")
                return False
            granted = s.bearer_scopes.get(bearer[7:])
            need = _scope_for(self.command, urlsplit(self.path).path)
            if granted is not None and need and need not in granted and "manage:all" not in granted:
                self.error(403, "AUTH_SCOPE", f"Missing the following required scopes: {need}")
                return False
            return True
        self.error(400, "ATP_2", "Expected authorization in headers, but none provided.")
        return False

    # -- routing -------------------------------------------------------------------------------
    def _fault(self) -> bool:
        with self.state.lock:
            raw = self.state.faults.replies.pop(0) if self.state.faults.replies else None
            fault = self.state.faults.before.pop(0) if self.state.faults.before and raw is None else None
        if raw is not None:
            self._raw(*raw)
            return True
        if fault:
            status, headers = fault
            self.error(status, "FAULT", "Injected fault.", headers)
            return True
        return False

    def _raw(self, status: int, headers: dict[str, str], body) -> None:
        body = body(dict(self.headers)) if callable(body) else body
        self.close_connection = True
        if status == DROP:
            return
        self.send_response(200 if status == TRUNCATE else status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body) + (1000 if status == TRUNCATE else 0)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self._route("GET")

    def do_POST(self):
        self._route("POST")

    def _route(self, method: str) -> None:
        path = urlsplit(self.path).path.rstrip("/")
        self.state.requests.append((method, path, dict(self.headers)))
        if self._fault():
            return
        if method == "POST" and path == "/oauth2/token":
            return self._token()
        if not path.startswith("/API/v3/"):
            return self.error(404, "NOT_FOUND", "No such endpoint.")
        if not self._authorised():
            return
        parts = path[len("/API/v3/") :].split("/")
        if parts == ["whoami"] and method == "GET":
            return self.ok(
                {
                    "brandId": "fakebrand",
                    "userId": "UR_fake",
                    "userName": "analyst@example.com",
                    "accountType": "UT_BRANDADMIN",
                    "firstName": "Ann",
                    "lastName": "Alyst",
                    "email": "analyst@example.com",
                    "datacenter": "fake1",
                }
            )
        if parts == ["datasets"] and method == "POST":
            if self.state.faults.no_datasets_api:
                return self.error(404, "NOT_FOUND", "No such endpoint.")
            return self._create_dataset()
        if parts == ["imported-data-projects"] and method == "POST":
            return self._create_idp()
        if len(parts) == 2 and method == "GET" and parts[0] in ("imported-data-projects", "surveys"):
            return self._lookup(parts[0], parts[1])
        if len(parts) == 2 and method == "GET" and parts[0] == "datasets" and self.state.faults.separate_dataset_ids:
            if parts[1] not in self.state.dataset_aliases:
                return self.error(404, "NOT_FOUND", "Dataset not found.")
            return self.ok({"datasetId": parts[1], "idpSourceId": self.state.dataset_aliases[parts[1]]})
        if len(parts) == 3 and parts[0] == "imported-data-projects" and parts[2] == "records" and method == "POST":
            return self._add_records(parts[1])
        flows = {"imported-data-projects": ("exports", "jobId"), "surveys": ("export-responses", "progressId")}
        if len(parts) >= 3 and parts[0] in flows and parts[2] == flows[parts[0]][0]:
            dataset_id, job_key = parts[1], flows[parts[0]][1]
            if dataset_id not in self.state.datasets:
                return self.error(404, "NOT_FOUND", f"Resource {dataset_id} not found.")
            if len(parts) == 3 and method == "POST":
                return self._start(dataset_id, job_key)
            if len(parts) == 4 and method == "GET":
                return self._progress(parts[3])
            if len(parts) == 5 and parts[4] == "file" and method == "GET":
                return self._file(parts[3])
        return self.error(404, "NOT_FOUND", "No such endpoint.")

    def _token(self) -> None:
        s = self.state
        auth = self.headers.get("Authorization", "")
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode())
        try:
            client_id, secret = base64.b64decode(auth.removeprefix("Basic ")).decode().split(":", 1)
        except (ValueError, UnicodeDecodeError):
            client_id, secret = "", ""
        if form.get("grant_type") != ["client_credentials"]:
            return self._send(400, {"error": "unsupported_grant_type"})
        if s.clients.get(client_id) != secret or not client_id:
            return self._send(401, {"error": "invalid_client"})
        asked = set((form.get("scope") or [""])[0].split())
        granted = s.client_scopes.get(client_id)
        if granted is not None and asked and not asked <= granted:
            return self._send(400, {"error": "invalid_scope", "error_description": "Scope not granted."})
        scopes = asked or granted  # none asked: the client's own
        token = secrets.token_urlsafe(24)
        s.bearer[token] = time.monotonic() + s.token_lifetime
        s.bearer_scopes[token] = None if granted is None and not asked else set(scopes or ())
        answer = {"access_token": token, "token_type": "Bearer", "expires_in": s.token_lifetime}
        if s.faults.say_scope:
            answer["scope"] = " ".join(sorted(scopes or ()))
        self._send(200, answer)

    def _create_dataset(self) -> None:
        body = self._json_body()
        self.state.created.append(("datasets", body))
        if not body.get("name") or not body.get("primaryKey") or not isinstance(body.get("fields"), list):
            return self.error(400, "DS_1", "name, primaryKey and fields are required.")
        if self.state.faults.datasets_key_only and len(body["fields"]) > 1:
            return self.error(400, "DS_2", "Invalid field list.")
        project_id = secrets.token_hex(8)
        self.state.datasets[project_id] = Dataset(
            columns=[f["name"] for f in body["fields"]], name=body["name"], unique_field=body["primaryKey"]
        )
        dataset_id = project_id
        if self.state.faults.separate_dataset_ids:
            dataset_id = f"DS_{secrets.token_hex(6)}"
            self.state.dataset_aliases[dataset_id] = project_id
        self.ok(
            {"name": body["name"], "primaryKey": body["primaryKey"], "datasetId": dataset_id, "fields": body["fields"]}
        )

    def _lookup(self, kind: str, object_id: str) -> None:
        ds = self.state.datasets.get(object_id)
        if ds is None or (kind == "surveys") != object_id.startswith("SV_"):
            return self.error(404, "NOT_FOUND", f"Resource {object_id} not found.")
        if kind == "surveys":
            return self.ok({"id": object_id, "name": ds.name or "Survey", "isActive": True})
        self.ok(
            {
                "name": ds.name or object_id,
                "uniqueField": ds.unique_field,
                "idpSourceId": object_id,
                "idpType": "generic",
                "fields": [{"name": c, "type": "open-text"} for c in ds.columns],
            }
        )

    def _add_records(self, project_id: str) -> None:
        ds = self.state.datasets.get(project_id)
        if ds is None:
            return self.error(404, "NOT_FOUND", "IDP Not Found")
        body = self._json_body()
        records = body.get("records")
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            return self.error(400, "IDP_2", "records must be a list of objects.")
        self.state.records.setdefault(project_id, []).extend(records)
        self.ok({})

    def _create_idp(self) -> None:
        body = self._json_body()
        self.state.created.append(("imported-data-projects", body))
        if not body.get("name") or not body.get("uniqueField") or not isinstance(body.get("fields"), list):
            return self.error(400, "IDP_1", "name, uniqueField and fields are required.")
        if self.state.faults.datasets_key_only and len(body["fields"]) > 1:
            return self.error(400, "IDP_3", "Invalid field list.")
        idp_id = secrets.token_hex(8)
        self.state.datasets[idp_id] = Dataset(
            columns=[f["name"] for f in body["fields"]], name=body["name"], unique_field=body["uniqueField"]
        )
        self.ok(
            {
                "name": body["name"],
                "uniqueField": body["uniqueField"],
                "idpSourceId": idp_id,
                "idpType": "generic",
                "fields": body["fields"],
            }
        )

    def _start(self, dataset_id: str, job_key: str) -> None:
        s = self.state
        body = self._json_body()
        s.export_bodies.append(body)
        if body.get("format") not in ("csv", "tsv", "json", "ndjson"):
            return self.error(400, "EXP_1", "format is required.")
        rows = s.datasets[dataset_id].rows
        if token := body.get("continuationToken"):
            if s.faults.reject_tokens or not str(token).startswith("ct-"):
                return self.error(s.faults.token_status, "EXP_7", "Continuation token is invalid or expired.")
            rows = rows[int(str(token)[3:]) :]
        elif since := body.get("startDate"):
            if body.get("allowContinuation") and not s.faults.date_with_token:
                return self.error(400, "EXP_8", "allowContinuation cannot be combined with a filter.")
            rows = [r for r in rows if r["_recorded"] >= since]
        total = len(s.datasets[dataset_id].rows)
        wants_token = bool(body.get("allowContinuation")) or bool(body.get("continuationToken"))
        with s.lock:
            fail = s.faults.fail_exports > 0
            s.faults.fail_exports -= 1 if fail else 0
        job = Job(dataset_id, list(rows), s.faults.polls_per_export, fail, f"ct-{total}" if wants_token else None)
        job_id = f"ES_{secrets.token_hex(7)}"
        s.jobs[job_id] = job
        with s.lock:
            lost = s.faults.start_fails_after_starting > 0
            s.faults.start_fails_after_starting -= 1 if lost else 0
        if lost:  # the job runs, but its id never reaches the client
            return self.error(503, "FAULT", "Temporary Internal Server Error.")
        self.ok({job_key: job_id})

    def _progress(self, job_id: str) -> None:
        job = self.state.jobs.get(job_id)
        if job is None:
            return self.error(404, "NOT_FOUND", "Export not found.")
        if self.state.faults.status_fault:
            return self.ok({"percentComplete": 50.0, "status": self.state.faults.export_status})
        if job.polls_left > 0:
            job.polls_left -= 1
            return self.ok({"percentComplete": 40.0, "status": "inProgress"})
        if job.fail:
            return self.ok({"fileId": None, "percentComplete": 100, "status": "failed"})
        self.state.files[job.file_id] = job
        result = {"fileId": job.file_id, "percentComplete": 100.0, "status": "complete"}
        if job.continuation:
            result["continuationToken"] = job.continuation
        self.ok(result)

    def _file(self, file_id: str) -> None:
        job = self.state.files.get(file_id)
        if job is None:
            return self.error(404, "NOT_FOUND", "Export not found.")
        data, kind = self.state.render(job)
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Disposition", f"attachment; filename={job.dataset_id}.zip")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        for start in range(0, len(data), 65536):
            self.wfile.write(data[start : start + 65536])
            self.wfile.flush()
            if self.state.faults.download_delay:
                time.sleep(self.state.faults.download_delay)


def _scope_for(method: str, path: str) -> str:
    """The scope the fake asks of an OAuth token for a call (its own table, as a server has)."""
    parts = path.removeprefix("/API/v3/").strip("/").split("/")
    if parts[0] == "whoami":
        return "read:users"
    if parts[0] == "surveys":
        return "read:surveys" if len(parts) == 2 else "read:survey_responses"
    if parts[0] in ("imported-data-projects", "datasets"):
        creates = method == "POST" and "exports" not in parts
        return "write:imported_data_projects" if creates else "read:imported_data_projects"
    return ""


class FakeServer:
    """Start and stop the fake on a free port of 127.0.0.1."""

    def __init__(self, state: FakeQualtrics | None = None, port: int = 0):
        self.state = state or FakeQualtrics()
        handler = type("BoundHandler", (Handler,), {"state": self.state})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)

    def __enter__(self) -> FakeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def demo_rows(n: int, seed: int = 11) -> list[dict[str, str]]:
    """Mentions from the demo generator, as the dataset behind the workflow would hold them (fresh dicts: a
    test may change its rows)."""
    return [dict(row) for row in _generated(n, seed)]


@functools.cache
def _generated(n: int, seed: int) -> tuple[dict[str, str], ...]:
    from lib.sources.demo import generate  # deterministic per (n, seed); tests ask the same few sets again

    return tuple(generate(n, seed=seed).to_dict("records"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A fake Qualtrics server on 127.0.0.1, for demos and tests.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--rows", type=int, default=5000, help="demo mentions in dataset IDP_demo")
    parser.add_argument("--raw", action="store_true", help="serve raw CSV instead of zip files")
    parser.add_argument("--one-header", action="store_true", help="one header row instead of Qualtrics' three")
    args = parser.parse_args(argv)
    state = FakeQualtrics()
    token = state.add_token()
    state.add_rows("IDP_demo", demo_rows(args.rows))
    # A datasetId that differs from its project's id (GET datasets/DS_demo names IDP_demo), and an OAuth client
    # without the read scope of imported data projects: the connection check's cases, to try by hand.
    state.faults.separate_dataset_ids = True
    state.dataset_aliases["DS_demo"] = "IDP_demo"
    client_id, secret = state.add_client(scopes={"read:users", "read:survey_responses"})
    state.faults.zip_files, state.faults.header_rows = not args.raw, 1 if args.one_header else 3
    with FakeServer(state, args.port) as server:
        print(f"Fake Qualtrics at {server.url} with dataset IDP_demo ({args.rows} mentions).")
        print(f"API token for this fake only: {token}")
        print(f"OAuth client of this fake without read:imported_data_projects: {client_id} {secret}")
        print("Ctrl-C to stop.", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
