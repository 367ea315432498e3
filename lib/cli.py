"""Command line: `python -m lib check | pull | import | export | setup | alerts | views` (or `sce …`) for
scheduled and headless work.

Secrets never travel as flags (shell history, `ps`): the API token or OAuth client secret comes from
the environment (`QUALTRICS_API_TOKEN`, or `QUALTRICS_CLIENT_ID` + `QUALTRICS_CLIENT_SECRET`) or
from a prompt when the command runs in a terminal.

Exit codes (for `check`, those of its first failing step): 0 done; 1 failed (network, server, export failed,
bad file, store not writable); 2 usage or configuration; 3 credentials refused or missing permission; 4
dataset not found; 65 imported, but some rows of the file were rejected (each is listed with its line); 75 the
store is busy (another writer; try again); 130 interrupted.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import available_timezones

from lib.errors import ExplorerError
from lib.mentions.normalize import ColumnMapError
from lib.paths import default_store
from lib.qualtrics.check import FAIL, WARN, check
from lib.qualtrics.client import AuthError, Credentials, NotFound, PermissionDenied, QualtricsClient
from lib.qualtrics.export_jobs import FLOWS, flow_for
from lib.qualtrics.integration import DATASETS, IDP, auth_header, create_dataset, workflow_task
from lib.qualtrics.pull import pull
from lib.queries.filters import Filters
from lib.queries.tags import load_recode
from lib.sources.ingest import import_file
from lib.store.local import Store, StoreBusy
from lib.store.snapshot import publish
from lib.text.boolean_query import QueryError, parse
from lib.text.topics import load_topics

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_AUTH, EXIT_NOT_FOUND, EXIT_BUSY, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 75, 130
EXIT_ROWS_REJECTED = 65  # sysexits' EX_DATAERR: the import is done, but rows of the file were not stored


class ProgressReporter:
    """A one-line progress bar on stderr (a line per phase when not a terminal), and an optional JSON file
    that the app reads to show a pull running in another process."""

    def __init__(self, progress_file: Path | None, quiet: bool = False):
        self.file, self.quiet = progress_file, quiet
        self.tty = sys.stderr.isatty()
        self.phase = ""

    def __call__(self, phase: str, value: float) -> None:
        if phase == "downloading":
            text = f"downloading {value / 1e6:6.1f} MB"
            fraction = None
        else:
            fraction = value
            text = phase
        if self.file:
            tmp = self.file.with_suffix(".tmp")
            tmp.write_text(json.dumps({"phase": phase, "value": value, "pid": os.getpid(), "time": time.time()}))
            os.replace(tmp, self.file)
        if self.quiet:
            return
        if self.tty:
            bar = "" if fraction is None else "[" + "#" * int(fraction * 30) + "." * (30 - int(fraction * 30)) + "] "
            print(f"\r{bar}{text:<40}", end="", file=sys.stderr, flush=True)
        elif phase != self.phase:
            print(text, file=sys.stderr, flush=True)
        self.phase = phase

    def done(self, outcome: dict) -> None:
        if self.tty and not self.quiet:
            print(file=sys.stderr)
        if self.file:
            tmp = self.file.with_suffix(".tmp")
            tmp.write_text(json.dumps({"phase": "done", "pid": os.getpid(), "time": time.time(), **outcome}))
            os.replace(tmp, self.file)


def credentials_from_env(prompt: bool) -> Credentials:
    """The one place the command line reads secrets: environment, else a prompt in a terminal."""
    token = os.environ.get("QUALTRICS_API_TOKEN", "")
    client_id = os.environ.get("QUALTRICS_CLIENT_ID", "")
    secret = os.environ.get("QUALTRICS_CLIENT_SECRET", "")
    scope = os.environ.get("QUALTRICS_SCOPE", "")
    if not token and not (client_id and secret) and prompt and sys.stdin.isatty():
        if client_id:
            secret = getpass.getpass("Qualtrics OAuth client secret (not shown): ")
        else:
            token = getpass.getpass("Qualtrics API token (not shown): ")
    kwargs = {"scope": scope} if scope else {}
    return Credentials(api_token=token, client_id=client_id, client_secret=secret, **kwargs)


def _add_publish(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--publish",
        type=Path,
        default=os.environ.get("SCE_SHARED_DIR") or None,
        help="after the write, publish a Parquet snapshot here for app replicas [env SCE_SHARED_DIR]",
    )


def _published(store: Store, folder: Path | None) -> str:
    if folder is None:
        return ""
    return f"\nPublished snapshot {publish(store, folder)} to {folder}"


def _add_store(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", type=Path, default=default_store(), help="the store file [env SCE_STORE]")


def _add_where(parser: argparse.ArgumentParser) -> None:
    """Where the Qualtrics account lives: a datacenter (or org.datacenter, or brand host), or a base URL."""
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--datacenter",
        default=os.environ.get("QUALTRICS_DATACENTER", ""),
        help="datacenter id (iad1), org.datacenter, or brand host [env QUALTRICS_DATACENTER]",
    )
    where.add_argument(
        "--base-url",
        default=os.environ.get("QUALTRICS_BASE_URL", ""),
        help="full base URL, e.g. https://iad1.qualtrics.com [env QUALTRICS_BASE_URL]",
    )


def _add_dataset(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dataset-id",
        default=os.environ.get("QUALTRICS_DATASET_ID", ""),
        help="the imported data project's id, the datasetId that creating the dataset returned, or a survey id "
        "SV_… [env QUALTRICS_DATASET_ID]",
    )
    parser.add_argument(
        "--flow",
        choices=sorted(FLOWS),
        default=os.environ.get("QUALTRICS_EXPORT_FLOW") or None,
        help="export flow; default: survey for SV_ ids, dataset otherwise [env QUALTRICS_EXPORT_FLOW]",
    )


def _command(sub, name: str, help: str, description: str = "", **options) -> argparse.ArgumentParser:
    """A subcommand whose --help shows each option's default."""
    options.setdefault("formatter_class", argparse.ArgumentDefaultsHelpFormatter)
    return sub.add_parser(name, help=help, description=description or None, **options)


def _add_tag_delimiter(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tag-delimiter", default=None, help="delimiter of the tags field (default: the store's, ',')")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lib",
        description="Social Connect Explorer from the command line.",
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)

    k = _command(
        sub,
        "check",
        "check the Qualtrics connection before a pull: base URL, credentials, scopes, dataset id",
        "Checks, step by step, what a pull needs: the base URL, the credentials (whoami), for OAuth "
        "the granted scopes, and the dataset id (looked up as an imported data project, or a survey for SV_ "
        "ids). Starts no export and writes nothing. Exits non-zero at the first failing step. Credentials as "
        "for pull.",
    )
    _add_where(k)
    _add_dataset(k)

    p = _command(
        sub,
        "pull",
        "pull new mentions from a Qualtrics dataset into the store",
        "Export a Qualtrics dataset (only what is new since the last pull) and upsert it into the "
        "store. Credentials: QUALTRICS_API_TOKEN, or QUALTRICS_CLIENT_ID and QUALTRICS_CLIENT_SECRET (and "
        "optionally QUALTRICS_SCOPE), from the environment or a prompt; never as flags.",
    )
    _add_where(p)
    _add_dataset(p)
    _add_store(p)
    _add_tag_delimiter(p)
    p.add_argument("--deadline", type=float, default=1800.0, help="give up after this many seconds")
    p.add_argument("--progress-file", type=Path, help="also write progress as JSON to this file")
    p.add_argument("--quiet", action="store_true", help="no output unless something needs attention (for cron)")
    p.add_argument("--no-alerts", action="store_true", help="do not evaluate the alert rules after the pull")
    _add_publish(p)

    i = _command(
        sub,
        "import",
        "import an export file or webhook mention JSON into the store",
        "Import a Qualtrics export (CSV/TSV with 1 or 3 header rows, JSON, NDJSON; zip'd or gzip'd) "
        "or a file of Social Connect webhook mentions (JSON array or NDJSON).",
    )
    i.add_argument("file", type=Path, help="the file to import")
    _add_store(i)
    _add_tag_delimiter(i)
    i.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="COLUMN=FIELD",
        help="read a column of the file as a mention field, e.g. --map publishedDate=datePublished (repeatable), "
        "over the mapping saved on the Data page for files with the same columns; the import lists the columns "
        "it did not map and the fields it found no column for",
    )
    _add_publish(i)
    e = _command(
        sub,
        "export",
        "export the mentions a view shows as CSV (with a manifest beside it)",
        "Write the filtered mentions as CSV, newest first, streamed (no row cap), and FILE.manifest.json "
        "with the filters, text topics, timezone, store version and row count. Each saved text topic (Text page) "
        "adds a 0/1 column. Filters use the app's URL keys: paste a copied "
        "link with --link, or give --filter key=value (repeatable; e.g. sent=negative, lang=de, from=2026-01-01).",
    )
    _add_store(e)
    e.add_argument("--out", type=Path, required=True, help="the CSV file to write")
    e.add_argument("--link", default="", help="a link copied from the app: its filters and timezone are used")
    e.add_argument("--filter", action="append", default=[], metavar="KEY=VALUE", help="a filter, as in the app's URL")
    e.add_argument("--tz", default="", help="timezone of the local-time columns (default: the link's, else UTC)")
    e.add_argument("--columns", default="", help="comma separated field names (default: every field)")
    e.add_argument("--bom", action="store_true", help="UTF-8 with a byte order mark, for Excel")
    e.add_argument("--tag-delimiter", default=None, help="join tags with this (default: the store's delimiter)")
    e.add_argument("--no-topics", action="store_true", help="leave out the 0/1 column of each saved text topic")
    e.add_argument(
        "--raw-values",
        action="store_true",
        help="write text cells exactly as stored: no apostrophe before a leading = + - @ (not safe to open in a "
        "spreadsheet; for reading the file with code)",
    )

    setup = _command(
        sub,
        "setup",
        "the help page's integration steps 1, 3 and 4",
        "Steps 1, 3 and 4 of Qualtrics' 'Integrating with Qualtrics Social Connect'.",
    )
    steps = setup.add_subparsers(dest="step", required=True)
    a = steps.add_parser(
        "auth-header",
        help="step 1: the Authorization header for the Social Connect webhook",
        description="Prints 'Basic base64(username:token)'. The token is read from "
        "QUALTRICS_API_TOKEN or a prompt, never from a flag.",
    )
    a.add_argument("--username", required=True, help="your Qualtrics username (keep the #… part of an SSO username)")
    c = steps.add_parser(
        "create-dataset",
        help="step 3: create the Qualtrics dataset with every mention field",
        description="POST /API/v3/datasets with uniqueId as key and every field of the help page's "
        "table (falls back to the imported-data-projects API where /datasets answers 404). "
        "Credentials as for pull.",
    )
    c.add_argument("--name", required=True, help="the dataset's name")
    _add_where(c)
    c.add_argument("--field-type", default="open-text", help="the type of every field but the key")
    m = steps.add_parser("mapping", help="step 4: the workflow WebService task (URL, token endpoint, headers, body)")
    m.add_argument("--brand-id", required=True, help="your Qualtrics brand (organization) id")
    m.add_argument("--datacenter-id", required=True, help="your datacenter id, e.g. iad1")
    m.add_argument("--dataset-id", required=True, help="the id that step 3 returned")
    m.add_argument(
        "--api",
        choices=(DATASETS, IDP),
        default=DATASETS,
        help=f"how step 3 created the dataset (it says so): {IDP} writes through the project's records call",
    )
    m.add_argument("--out", type=Path, help="write the JSON here instead of printing it")

    al = sub.add_parser(
        "alerts",
        help="the alert rules: list them, send a test, or evaluate them now",
        description="Alert rules are made on the Data page and saved beside the store. Every pull evaluates them "
        "on the new data; `run` does it now (and retries deliveries that failed). SMTP and webhook secrets come "
        "from the environment or .streamlit/secrets.toml (see the README), never from flags.",
    )
    al.add_argument(
        "action",
        choices=("list", "test", "run", "edit"),
        help="list | test (a test message per channel) | run | edit (--rule and what changes; a webhook URL is a "
        "secret: change it on the Data page)",
    )
    al.add_argument("--rule", default="", help="test: only this rule; edit: the rule (its id, as `list` shows it)")
    al.add_argument("--name", help="edit: the rule's new name")
    al.add_argument(
        "--threshold",
        type=float,
        help="edit: mentions per bucket (volume), %% negative 1-100 (negative), copies (campaign)",
    )
    al.add_argument("--freq", choices=("hour", "day"), help="edit: per hour or per day (makes it alert afresh)")
    al.add_argument("--email", help="edit: the addresses, comma separated ('' for none)")
    _add_store(al)
    v = sub.add_parser("views", help="the saved views: list them with their links")
    v.add_argument("action", choices=("list",))
    _add_store(v)
    return parser


def cmd_setup(args: argparse.Namespace) -> int:
    if args.step == "auth-header":
        token = os.environ.get("QUALTRICS_API_TOKEN") or (
            getpass.getpass("Qualtrics API token (not shown): ") if sys.stdin.isatty() else ""
        )
        print(auth_header(args.username, token))
        return EXIT_OK
    if args.step == "create-dataset":
        where = args.base_url or args.datacenter
        if not where:
            print("create-dataset needs --datacenter or --base-url (or QUALTRICS_* variables).", file=sys.stderr)
            return EXIT_USAGE
        created = create_dataset(QualtricsClient(where, credentials_from_env(prompt=True)), args.name, args.field_type)
        print(f"Created {args.name!r} through /API/v3/{created.api}: dataset id {created.dataset_id}")
        if created.api == IDP:
            print(f"For step 4, run: setup mapping --api {IDP} … (the workflow writes to its records call).")
        if created.note:
            print(created.note)
        return EXIT_OK
    text = json.dumps(workflow_task(args.brand_id, args.datacenter_id, args.dataset_id, args.api), indent=2)
    if args.out:
        args.out.write_text(text + "\n")
        print(f"Wrote the WebService task to {args.out}")
    else:
        print(text)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    params: dict[str, list[str]] = {}
    if args.link:
        params = {k: list(v) for k, v in parse_qs(urlsplit(args.link).query, keep_blank_values=True).items()}
    for item in args.filter:
        key, sep, value = item.partition("=")
        if not sep:
            print(f"--filter wants KEY=VALUE, got {item!r}", file=sys.stderr)
            return EXIT_USAGE
        params.setdefault(key.strip(), []).append(value)
    notes: list[str] = []
    filters = Filters.from_params(lambda key: params.get(key, []), notes)
    for note in notes:  # as the app says it: a value that cannot be used is left out, and said
        print(f"note: left out {note}", file=sys.stderr)
    tz = args.tz or (params.get("tz") or ["UTC"])[-1]
    if tz not in available_timezones():
        print(f"error: unknown timezone {tz[:60]!r}: give an IANA name such as Europe/Berlin or UTC.", file=sys.stderr)
        return EXIT_USAGE
    if filters.text:
        try:
            parse(filters.text)
        except QueryError as exc:
            print(f"error: the text query {filters.text[:80]!r} cannot be read: {exc}", file=sys.stderr)
            return EXIT_USAGE
    store = Store(args.store)
    if not store.exists():
        print(
            f"error: there is no store at {args.store}: import a file or pull first (or give --store).", file=sys.stderr
        )
        return EXIT_USAGE
    # Imported here: the export's engine (Ibis, the model's text index) is a second and a half of every other
    # command's start.
    from lib.export.csv_writer import write_csv
    from lib.queries.interface import Scope

    columns = [c.strip() for c in args.columns.split(",") if c.strip()] or None
    manifest_path = args.out.with_name(args.out.name + ".manifest.json")
    # Written beside the file under a name of its own and renamed into place when complete: an interrupted or
    # failed export leaves no file that looks finished (and an earlier export under that name as it was).
    partial = args.out.with_name(f".{args.out.name}.partial-{os.getpid()}")
    try:
        with open(partial, "w", newline="", encoding="utf-8-sig" if args.bom else "utf-8") as handle:
            manifest = write_csv(
                store,
                Scope(filters, tz),
                handle,
                columns=columns,
                topics=load_topics(store.path),
                topic_columns=not args.no_topics,
                tag_delimiter=args.tag_delimiter,
                recode=load_recode(store.path),
                safe=not args.raw_values,
            )
        manifest_partial = partial.with_name(partial.name + ".manifest")
        manifest_partial.write_text(manifest.to_json() + "\n")
        os.replace(partial, args.out)
        os.replace(manifest_partial, manifest_path)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        partial.unlink(missing_ok=True)
        partial.with_name(partial.name + ".manifest").unlink(missing_ok=True)
    print(f"Wrote {manifest.rows:,} mentions to {args.out} (manifest: {manifest_path.name})")
    return EXIT_OK


def _exit_code(exc: ExplorerError) -> int:
    if isinstance(exc, ColumnMapError):
        return EXIT_USAGE
    if isinstance(exc, AuthError | PermissionDenied):
        return EXIT_AUTH
    if isinstance(exc, NotFound):
        return EXIT_NOT_FOUND
    if isinstance(exc, StoreBusy):
        return EXIT_BUSY
    return EXIT_FAILED


def _summary(result, report) -> str:
    """What happened to every row of the file, the columns no field took and the fields no column filled."""
    text = (
        f"{report.rows_in:,} rows: {report.rows_in - report.n_rejected:,} stored ({result.rows_new:,} new and "
        f"{result.rows_updated:,} updated mentions)"
    )
    if repeats := result.rows_in - result.rows_new - result.rows_updated:
        text += f", {repeats:,} of them repeating a uniqueId of an earlier row (the last one counts)"
    if report.n_rejected:
        text += f"; {report.n_rejected:,} rows rejected:"
        text += "".join(f"\n  line {line}: {why}" for line, why in report.rejected[:20])
        if report.n_rejected > 20:
            text += f"\n  … and {report.n_rejected - 20:,} more"
    if report.mapping:
        text += "\nColumns mapped to fields: " + ", ".join(f"{c} → {f}" for c, f in report.mapping.items()) + "."
    if report.unmapped_columns:
        shown = ", ".join(report.unmapped_columns[:12]) + ("…" if len(report.unmapped_columns) > 12 else "")
        text += f"\nColumns no field takes (kept as extra columns): {shown}. Map one with --map COLUMN=FIELD."
    if report.missing_fields:
        text += f"\nFields no column fills: {', '.join(report.missing_fields)}."
    for warning in report.warnings:
        text += f"\nwarning: {warning}"
    return text


def cmd_check(args: argparse.Namespace) -> int:
    """Print each step of the connection check; the exit code of the first failing one, else 0."""
    where, creds = args.base_url or args.datacenter, credentials_from_env(prompt=True)
    steps = check(where, args.dataset_id, creds, flow=args.flow or "")
    scrub = credentials_from_env(prompt=False).scrubber()
    for step in steps:
        mark = {FAIL: "FAIL", WARN: "warn"}.get(step.status, "ok")
        print(f"{mark:<4}  {step.name}: {scrub(step.message)}")
    failed = next((step for step in steps if step.status == FAIL), None)
    if failed:
        print(f"The check failed at: {failed.name}. Fix it and run the check again.", file=sys.stderr)
        return failed.exit_code or EXIT_FAILED
    warned = sum(step.status == WARN for step in steps)
    print("Ready to pull." + (f" ({warned} warning{'s' if warned > 1 else ''} above.)" if warned else ""))
    return EXIT_OK


def cmd_pull(args: argparse.Namespace) -> int:
    where = args.base_url or args.datacenter
    if not where or not args.dataset_id:
        print("pull needs --datacenter or --base-url, and --dataset-id (or QUALTRICS_* variables).", file=sys.stderr)
        return EXIT_USAGE
    reporter = ProgressReporter(args.progress_file, args.quiet)
    client = QualtricsClient(where, credentials_from_env(prompt=True), deadline=args.deadline)
    flow = flow_for(args.dataset_id, args.flow or "")
    store = Store(args.store)
    outcome = pull(store, client, args.dataset_id, flow=flow, tag_delimiter=args.tag_delimiter, on_progress=reporter)
    result, report = outcome.ingest.result, outcome.ingest.report
    alerts = "" if args.no_alerts else _alerts_after_pull(store, args.quiet, reporter, args.publish)
    reporter.done(
        {
            "rows_new": result.rows_new,
            "rows_updated": result.rows_updated,
            "rows_rejected": report.n_rejected,
            "mode": outcome.mode,
            "alerts": alerts,
        }
    )
    published = _published(store, args.publish)
    if not args.quiet or report.n_rejected or report.warnings:  # --quiet: silent on success, for cron's mail
        exported = f" as {outcome.export_id}" if outcome.export_id not in ("", args.dataset_id.strip()) else ""
        print(f"Pulled {args.dataset_id}{exported} ({outcome.mode}): {_summary(result, report)}{published}")
    return EXIT_OK


def _alerts_after_pull(store: Store, quiet: bool, reporter: ProgressReporter, shared: Path | None) -> str:
    """Evaluate the alert rules on the new data; return what happened in a line ("" without rules). Never
    fails the pull: what went wrong is said on stderr (cron mails it) and in the alerts log, and undelivered
    alerts are retried on the next pull."""
    from lib.alerts.run import model_queries, run_alerts

    try:
        reporter("alerts", 1.0)
        outcome = run_alerts(store.path, load_queries=lambda: model_queries(store), shared=shared)
    except Exception as exc:  # the pull is done and must stay done
        print(f"warning: alerts not evaluated: {type(exc).__name__}", file=sys.stderr)
        return f"Alerts not evaluated ({type(exc).__name__}): see the alerts log."
    if outcome.problem or outcome.failed:
        print(f"warning: {outcome.summary()}", file=sys.stderr)
    elif outcome.found and not quiet:
        print(outcome.summary())
    return outcome.summary() if outcome.found or outcome.problem or outcome.failed or outcome.sent else ""


def cmd_alerts(args: argparse.Namespace) -> int:
    from lib.alerts.deliver import shown_url
    from lib.alerts.rules import KINDS, load_rules
    from lib.alerts.run import model_queries, run_alerts, send_test

    store = Store(args.store)
    rules = load_rules(store.path)
    if args.action == "list":
        if not rules:
            print(f"No alert rules beside {store.path}. Make them on the Data page.")
        for r in rules:
            where = [f"email to {', '.join(r.email)}"] if r.email else []
            if r.webhook:
                where.insert(0, shown_url(r.webhook) if r.webhook != "configured" else "the configured webhook")
            at = {"volume": f" ({r.threshold:,.0f})", "negative": f" ({r.threshold:.0%})"}
            at["campaign"] = f" ({r.threshold:,.0f} copies)"
            print(f"{r.id}  {r.name}: {KINDS[r.kind]}{at.get(r.kind, '')} per {r.freq}" + f" → {'; '.join(where)}")
        return EXIT_OK
    if args.action == "edit":
        return _edit_alert(store, rules, args)
    if args.action == "test":
        chosen = [r for r in rules if not args.rule or r.id == args.rule]
        if not chosen:
            print("No such alert rule (see `python -m lib alerts list`).", file=sys.stderr)
            return EXIT_USAGE
        failed = False
        for rule in chosen:
            for channel, result in send_test(rule):
                failed |= result != "ok"
                print(f"{rule.name}: {channel}: {result}")
        return EXIT_FAILED if failed else EXIT_OK
    outcome = run_alerts(store.path, load_queries=lambda: model_queries(store))
    print(outcome.summary())
    return EXIT_FAILED if outcome.problem or outcome.failed else EXIT_OK


def _edit_alert(store: Store, rules: list, args: argparse.Namespace) -> int:
    """``alerts edit``: change a rule's name, threshold, hours or days, or email addresses (lib/alerts/rules.py's
    ``edit_rule``: checked as a new rule is; what it sent stays sent unless what it looks at changed)."""
    from dataclasses import replace

    from lib.alerts.rules import edit_rule

    rule = next((r for r in rules if r.id == args.rule), None)
    if rule is None:
        print("No such alert rule: give its id with --rule (see `python -m lib alerts list`).", file=sys.stderr)
        return EXIT_USAGE
    if rule.kind == "spike" and args.threshold is not None:
        print("A spike alert has no threshold (the Dashboard's spike method decides).", file=sys.stderr)
        return EXIT_USAGE
    changes: dict = {}
    if args.name is not None:
        changes["name"] = args.name
    if args.threshold is not None:
        changes["threshold"] = args.threshold / 100 if rule.kind == "negative" else args.threshold
    if args.freq:
        changes["freq"] = args.freq
    if args.email is not None:
        changes["email"] = tuple(a.strip() for a in args.email.replace(";", ",").split(",") if a.strip())
    saved, kept = edit_rule(store.path, rule.id, replace(rule, **changes))
    if saved == rule:
        print(f"{rule.id}  {rule.name}: nothing changed.")
    else:
        again = "what it sent is not sent again" if kept else f"a new rule that alerts afresh (it was {rule.id})"
        print(f"{saved.id}  {saved.name}: saved; {again}.")
    return EXIT_OK


def cmd_views(args: argparse.Namespace) -> int:
    from lib.alerts.deliver import app_url
    from lib.queries.saved_views import load_views

    views = load_views(Path(args.store))
    if not views:
        print(f"No saved views beside {args.store}. Save one from the app's sidebar (Saved views).")
    for view in views:
        page = "" if view.page == "Overview" else view.page
        print(f"{view.id}  {view.name}  [{view.page} · {view.dates}]  {app_url().rstrip('/')}/{page}?view={view.id}")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    if not args.file.is_file():
        print(f"error: there is no file {args.file}.", file=sys.stderr)
        return EXIT_USAGE
    mapping = {}
    for item in args.map:
        column, sep, field = item.partition("=")
        if not sep or not column.strip() or not field.strip():
            print(f"error: --map wants COLUMN=FIELD, e.g. publishedDate=datePublished; got {item!r}", file=sys.stderr)
            return EXIT_USAGE
        mapping[column.strip()] = field.strip()
    store = Store(args.store)
    outcome = import_file(
        store, args.file, args.file.name, tag_delimiter=args.tag_delimiter, mapping=mapping, use_saved_mapping=True
    )
    print(f"Imported {args.file.name}: {_summary(outcome.result, outcome.report)}{_published(store, args.publish)}")
    return EXIT_ROWS_REJECTED if outcome.report.n_rejected else EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        commands = {"check": cmd_check, "pull": cmd_pull, "import": cmd_import, "export": cmd_export}
        return {**commands, "setup": cmd_setup, "alerts": cmd_alerts, "views": cmd_views}[args.command](args)
    except KeyboardInterrupt:
        done = "no file was written" if args.command == "export" else "the store is as it was before this command"
        print(f"\nInterrupted: {done}.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except ExplorerError as exc:
        # Scrubbed again here (the client already did): nothing the command prints or leaves in the progress
        # file holds a credential of the environment, in any form (lib/qualtrics/scrub.py).
        message = credentials_from_env(prompt=False).scrubber()(str(exc))
        print(f"error: {message}", file=sys.stderr)
        if args.command == "pull" and getattr(args, "progress_file", None):
            ProgressReporter(args.progress_file, quiet=True).done({"error": message})
        return _exit_code(exc)
    except OSError as exc:  # the disk, not the data: say which file and why, without a traceback
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"error: {exc.strerror or exc}{where}. Check the disk and the folder's permissions.", file=sys.stderr)
        return EXIT_FAILED
