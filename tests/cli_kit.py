"""The command line run inside the test's process: ``lib.cli.main`` with the arguments a user would type, its
stdout and stderr captured, its environment set for the call only.

A ``python -m lib`` subprocess imports the whole library again (about 2 s of CPU a run, most of the cost of a CLI
test); ``main`` is what that process runs after its imports. The tests that must prove the real entry point (the
console command, a token that travels in the environment and never in argv, a signal, a process without root's
powers, a file size limit) still start a process of their own.
"""

from __future__ import annotations

import io
import os
import signal
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass

import pytest

from lib.cli import main


@dataclass(frozen=True)
class Ran:
    """What a finished command left, named as ``subprocess.CompletedProcess`` names it."""

    returncode: int
    stdout: str
    stderr: str


def run_cli(*argv: str, env: dict[str, str | None] | None = None, drop_prefix: str = "") -> Ran:
    """``python -m lib *argv`` in this process: ``env`` set (a value of None unsets the variable) and every
    variable starting with ``drop_prefix`` unset first, stdin empty and not a terminal (as with a cron job: no
    prompt), all restored afterwards. argparse's usage errors end in SystemExit: their exit code is returned."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        if drop_prefix:
            for key in [k for k in os.environ if k.startswith(drop_prefix)]:
                patch.delenv(key)
        for key, value in (env or {}).items():
            if value is None:
                patch.delenv(key, raising=False)
            else:
                patch.setenv(key, value)
        patch.setattr(sys, "stdin", io.StringIO())
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(list(argv))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return Ran(code, out.getvalue(), err.getvalue())


def terminal_ctrl_c() -> None:
    """For ``preexec_fn``: the child gets Ctrl-C as a terminal gives it. Python ignores SIGINT when started with
    it ignored, as a job started in the background by a non-interactive shell is (a CI runner may start one so)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
