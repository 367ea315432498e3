"""Peak memory of importing a CSV export, by size: the import process and its enrichment workers.

    python -m bench.import_memory --mb 200            # a ~200 MB CSV from the demo generator
    python -m bench.import_memory --rows 20000 80000  # several sizes, to see that the peak stays flat
    python -m bench.import_memory --rows 1000000 --mix realistic --distinct 250000 --keep /tmp/realistic
    python -m bench.import_memory --csv /tmp/realistic/mentions-realistic-1000000.csv  # a CSV already made

Each size is generated with lib/sources/demo.py, written to a temporary folder and imported with ``python -m lib
import`` into a fresh store, in its own process, while its resident memory (and that of its worker
processes, counted once where they share pages) is sampled every 50 ms. Prints rows, file size, time, the CPU
time of the import process and its enrichment workers (user + system: on a busy machine it says more than the
time) and the peaks; the process's own peak is read from the kernel (``VmHWM``) at its end.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd

from lib.sources.demo import generate
from lib.sources.demo_lengths import MIXES

ROOT = Path(__file__).resolve().parent.parent
BYTES_PER_ROW = 470  # the demo generator's CSV, on average
# The peak is the address space's own high-water mark (VmHWM), not ``ru_maxrss``: Linux carries
# ``ru_maxrss`` across fork and exec, so a child of a large process (a test run) would report its parent's size.
WRAPPER = (
    "import sys; from lib.cli import main; code = main(sys.argv[1:]); "
    "hwm = next(line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM:')); "
    "print('MAXRSS', hwm, file=sys.stderr); sys.exit(code)"
)
CODE_WRAPPER = (
    "import sys; {code}; "
    "hwm = next(line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM:')); "
    "print('MAXRSS', hwm, file=sys.stderr)"
)


def write_csv(rows: int, path: Path, seed: int = 7, distinct: int = 50_000, mix: str = "short") -> None:
    """``rows`` demo mentions as one CSV: ``distinct`` generated ones, repeated with new ids as often as needed.
    With the realistic mix, each repeat is generated afresh (seed + k): its authors and texts are new too."""
    sample = generate(min(distinct, rows), seed=seed, mix=mix)
    done, k = 0, 0
    with open(path, "w", newline="") as handle:
        while done < rows:
            if k and mix == "realistic":
                sample = generate(min(distinct, rows - done), seed=seed + k, mix=mix)
            part = sample.iloc[: rows - done].copy()
            part["uniqueId"] = [f"{done + i}-{uid}" for i, uid in enumerate(part["uniqueId"])]
            part.to_csv(handle, index=False, header=done == 0)
            done += len(part)
            k += 1


def _rss_kb(pid: int, field: str = "Rss") -> int:
    """Resident memory of ``pid``; ``Pss`` splits the pages it shares (a child between fork and exec shares
    all of its parent's) among the processes that share them, so that a sum over processes counts them once."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            return next(int(line.split()[1]) for line in rollup if line.startswith(f"{field}:"))
    except (OSError, StopIteration):
        return 0


def _cmdline(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read()
    except OSError:
        return b""


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found += [int(c) for c in handle.read().split()]
    except OSError:
        pass
    return found + [g for c in found for g in _children(c)]


def measure(csv: Path, store: Path, memory_mb: int | None = None) -> dict:
    """Import ``csv`` into ``store`` in a process of its own; its peaks in MB and its time in seconds."""
    env = {"SCE_IMPORT_MEMORY_MB": str(memory_mb)} if memory_mb else {}
    return measure_command(["import", str(csv), "--store", str(store)], env)


def measure_command(args: list[str], env: dict[str, str] | None = None, code: str = "") -> dict:
    """``python -m lib ARGS`` (or the Python ``code``) in a process of its own, as a scheduled job runs it: its
    time in seconds, its own peak (``maxrss_mb``, from VmHWM), its peak with its enrichment workers (``tree_mb``,
    sampled) and the first line it printed (``summary``)."""
    wrapper = WRAPPER if not code else CODE_WRAPPER.format(code=code)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", wrapper, *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peaks = {"process": 0, "tree": 0}

    def sample() -> None:
        while proc.poll() is None:
            peaks["process"] = max(peaks["process"], _rss_kb(proc.pid))
            workers = [c for c in _children(proc.pid) if b"lib.text.enrich" in _cmdline(c)]  # once they have started
            tree = [proc.pid, *workers]
            peaks["tree"] = max(peaks["tree"], sum(_rss_kb(pid, "Pss") for pid in tree))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    sampler.join()
    if proc.returncode:
        raise RuntimeError(f"{' '.join(args[:1]) or 'the code'} failed ({proc.returncode}): {err[-2000:]}")
    maxrss = next(int(line.split()[1]) for line in err.splitlines() if line.startswith("MAXRSS"))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the process, and the workers it waited for
    return {
        "seconds": time.perf_counter() - start,
        "cpu_seconds": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        "maxrss_mb": maxrss / 1024,
        "tree_mb": peaks["tree"] / 1024,
        "summary": (out.strip().splitlines() or [""])[0],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    size = parser.add_mutually_exclusive_group(required=True)
    size.add_argument("--rows", type=int, nargs="+", help="rows per run")
    size.add_argument("--mb", type=float, nargs="+", help="approximate CSV size per run, in MB")
    size.add_argument("--csv", type=Path, help="import this CSV (left as it is) instead of generating one")
    parser.add_argument("--memory-mb", type=int, default=None, help="SCE_IMPORT_MEMORY_MB for the import")
    parser.add_argument("--workdir", type=Path, default=None, help="where to write the CSVs and stores")
    parser.add_argument("--mix", choices=MIXES, default="short", help="text lengths of the demo generator")
    parser.add_argument("--distinct", type=int, default=50_000, help="mentions generated per repeat")
    parser.add_argument("--keep", type=Path, default=None, help="keep the CSV and the store in this folder")
    args = parser.parse_args(argv)
    sizes = args.rows or ([0] if args.csv else [int(mb * 1e6 / BYTES_PER_ROW) for mb in args.mb])
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        rows = []
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for n in sizes:
            csv = args.csv or folder / f"mentions-{args.mix}-{n}.csv"
            if not args.csv and not (args.keep and csv.exists()):
                write_csv(n, csv, distinct=args.distinct, mix=args.mix)
            result = measure(
                csv, folder / f"store-{csv.stem if args.csv else f'{args.mix}-{n}'}.duckdb", args.memory_mb
            )
            rows.append(
                {
                    "rows": result["summary"].partition(": ")[2].partition(" rows")[0]
                    if args.csv
                    else f"{n:,} ({args.mix})",
                    "CSV": f"{csv.stat().st_size / 1e6:,.0f} MB",
                    "time": f"{result['seconds']:.0f} s",
                    "CPU": f"{result['cpu_seconds']:.0f} s",
                    "peak, import process": f"{result['maxrss_mb']:,.0f} MB",
                    "peak, with its enrichment workers": f"{result['tree_mb']:,.0f} MB",
                }
            )
            if not args.keep and not args.csv:
                csv.unlink()
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
