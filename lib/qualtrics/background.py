"""Pulls started from the app run as their own process (``python -m lib pull``), so that reruns, page
switches and closed tabs cannot kill them half way. The process reports through a small JSON progress
file; the app reads it. Secrets reach the process through its environment, never its command line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from lib.errors import ExplorerError
from lib.paths import PROJECT_ROOT
from lib.qualtrics.client import Credentials

JOB_FILE = "pull-job.json"


class PullRunning(ExplorerError):
    """A pull is already running."""


@dataclass(frozen=True)
class PullJob:
    pid: int
    dataset_id: str
    progress: str
    log: str
    started: float


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A finished child of this process stays a zombie until reaped: reap it, then it is gone.
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return done == 0


def current_job(data_dir: Path) -> PullJob | None:
    try:
        return PullJob(**json.loads((data_dir / JOB_FILE).read_text()))
    except (FileNotFoundError, ValueError, TypeError):
        return None


def job_status(job: PullJob) -> dict:
    """What the pull says: phase, value, and when done its counts or its error; ``running`` is checked."""
    try:
        status = json.loads(Path(job.progress).read_text() or "{}")
    except (FileNotFoundError, ValueError):
        status = {"phase": "starting", "value": 0.0}
    status["running"] = status.get("phase") != "done" and _alive(job.pid)
    if status.get("phase") != "done" and not status["running"]:
        status.update(phase="done", error=_last_error(Path(job.log)) or "The pull stopped without a result.")
    return status


def _last_error(log: Path) -> str:
    try:
        lines = [line for line in log.read_text().splitlines() if line.startswith("error: ")]
    except FileNotFoundError:
        return ""
    return lines[-1].removeprefix("error: ") if lines else ""


def start_pull(
    data_dir: Path,
    *,
    where: str,
    dataset_id: str,
    store: Path,
    credentials: Credentials,
    flow: str = "",
    tag_delimiter: str | None = None,
) -> PullJob:
    """Start ``python -m lib pull`` in the background; refuse if one is running already."""
    running = current_job(data_dir)
    if running and job_status(running)["running"]:
        raise PullRunning(f"A pull of {running.dataset_id} is already running; wait for it to finish.")
    data_dir.mkdir(parents=True, exist_ok=True)
    progress, log = data_dir / "pull-progress.json", data_dir / "pull.log"
    progress.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUALTRICS_")}
    env.update(
        QUALTRICS_API_TOKEN=credentials.api_token,
        QUALTRICS_CLIENT_ID=credentials.client_id,
        QUALTRICS_CLIENT_SECRET=credentials.client_secret,
        QUALTRICS_SCOPE=credentials.scope,
    )
    where_flag = "--base-url" if "://" in where else "--datacenter"
    args = [
        sys.executable,
        "-m",
        "lib",
        "pull",
        where_flag,
        where,
        "--dataset-id",
        dataset_id,
        "--store",
        str(store),
        "--progress-file",
        str(progress),
        "--quiet",
    ]
    if flow:
        args += ["--flow", flow]
    if tag_delimiter:
        args += ["--tag-delimiter", tag_delimiter]
    with open(log, "w") as log_handle:
        proc = subprocess.Popen(
            args,
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # not in the server's process group: a Ctrl-C of the app doesn't kill it
        )
    job = PullJob(proc.pid, dataset_id, str(progress), str(log), time.time())
    (data_dir / JOB_FILE).write_text(json.dumps(asdict(job)))
    return job
