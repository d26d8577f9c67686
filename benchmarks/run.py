"""Benchmark whichpython against uv, findpython, python-discovery and pythonfinder.

    python benchmarks/run.py [--scale 10 ...] [--reps 5] [--no-peers | --peer uv ...] [--out FILE]

Builds the synthetic machine of ``benchmarks/machine.py`` per scale, installs the peers into
their own venvs (``--peers-venv``), then times, with interleaved repetitions and the same
minimal env for every tool (``benchmarks/scenarios.py``): cold, warm and semi-warm runs of
``find 3.12``, ``find '>=3.10'`` and ``list`` as CLI processes and as library calls in a fresh
process, a ``list`` with a hanging ``python3`` first on PATH, and checks every answer against
the machine. Also counts the processes whichpython spawns on warm runs, times the Nix store
scan and one probe. Prints each row's median, min, max, n, peer/whichpython ratio and marks
(JSON with ``--out``). docs/performance.md has the numbers and what they mean.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import peers as peer_module
from machine import build_machine, expected_answers, real_ctimes, real_interpreters
from scenarios import Bench, run

KINDS = ["cli", "cli-m", "server", "refresh", "lib-first", "lib-proc", "lib-repeat", "lib",
         "python-pass"]  # fmt: skip
OPS = ["find", "find-range", "list", "version"]
MODES = [
    "cold",
    "warm",
    "semi-touch",
    "semi-env",
    "semi-path",
    "semi-cwd",
    "semi-project",
    "hostile-1",
    "hostile-2",
    "hostile-3",
    "hostile-env",
    "hostile-path",
]
TOOLS = ["whichpython", "uv", "findpython", "python-discovery", "pythonfinder"]
LEGEND = """\
row = tool, kind, operation (find 3.12, find-range >=3.10, list), mode. Kinds: cli = the CLI
process's wall time (whichpython: its console script); cli-m = python -m whichpython;
lib-first = in a fresh process, from before the import to after the first call returns
(perf_counter); lib-proc = that whole process's wall; lib-repeat = median of 5 later calls in
a warm process; python-pass = `python -c pass` of the python the library runs in. Modes: cold =
empty caches; warm = kept caches; semi-touch / semi-env / semi-path / semi-cwd / semi-project =
warm, after a new mtime on a PATH dir holding interpreters / with a new unrelated env var / with
an empty dir appended to PATH / in a new empty cwd / in a new project dir (a pyproject.toml,
no env); hostile-N = the Nth `list` with a hanging python3 first on PATH (fresh per rep;
whichpython 3 runs, peers 2), otherwise warm; hostile-env / hostile-path = whichpython's 4th
and 5th such `list`, after a new unrelated variable / an empty dir appended to PATH (compare
with semi-env / semi-path `list`). Operation `version` = `--version`. Kinds server / refresh =
`serve` spawned, `configure`, `refresh {}`: from the spawn / from the `refresh` request to its
answer (the `environment` notifications are the answer checked). ratio = peer median /
whichpython median of the same row.
Answers are checked against the machine: "wrong answer" (not a matching interpreter of the
machine), "found nothing", "includes X" (a list entry that is not the machine's); list rows
say how many entries and distinct interpreter files (of how many the machine holds)."""


def _order(key: str) -> tuple[int, ...]:
    tool, kind, op, mode = ([*key.split(" "), "", ""])[:4]
    index = lambda seq, x: seq.index(x) if x in seq else len(seq)  # noqa: E731
    return (index(OPS, op), index(MODES, mode), index(KINDS, kind), index(TOOLS, tool))


def bench_scale(scale: int, work: Path, tools: list[peer_module.Tool], args: Any) -> dict:
    """Build the machine at ``scale``, run every job ``args.reps`` rounds, return the rows."""
    root = work / f"machine-{scale}"
    machine = build_machine(root, candidates=scale, nix_entries=args.nix_entries)
    expected = expected_answers(root, machine)
    bench = Bench(machine, expected, work, tools, {"run": args.run_cap, "hang": args.hang_cap})
    bench.not_supported()
    jobs = bench.jobs()
    started = time.perf_counter()
    ctimes = real_ctimes()
    for rep in range(args.reps):  # interleaved: every job once per round
        bench.prime(everything=rep == 0)
        for job in jobs:
            if job.stopped or (job.limit is not None and job.samples >= job.limit):
                continue
            ms = job.measure(rep)
            job.samples += 1
            if ms is None:
                job.stopped = True
            elif job.samples == 1 and job.peer and ms > args.slow_ms and args.reps > args.slow_reps:
                job.limit = args.slow_reps
                for key in job.rows:
                    bench.row(key).extra.append(
                        f"n capped at {args.slow_reps} (first sample {ms / 1000:.1f} s)"
                    )
    rows = {}
    for key in sorted(bench.rows, key=_order):
        row = bench.rows[key]
        tool, rest = key.split(" ", 1)
        data: dict[str, Any] = {"n": len(row.samples), "samples_ms": row.samples}
        if row.samples:
            data.update(
                median_ms=statistics.median(row.samples),
                min_ms=min(row.samples),
                max_ms=max(row.samples),
            )
        ours = bench.rows.get(f"whichpython {rest}")
        if tool != "whichpython" and row.samples and ours and ours.samples and "pass" not in key:
            data["ratio"] = data["median_ms"] / statistics.median(ours.samples)
        n = max(len(row.samples), 1)
        data["marks"] = row.extra + [
            m + (f" ({c}/{n})" if c != n else "") for m, c in row.marks.items()
        ]
        data["answer"] = list(row.notes)
        rows[key] = data
    env = bench.env()
    changed = sorted(k for k, v in real_ctimes().items() if ctimes.get(k) != v)
    return {
        "scale": scale,
        "seconds": time.perf_counter() - started,
        "machine_root": str(root),
        "interference": changed,
        "env_warm": env,
        "env_cold": "the same, with XDG_CACHE_HOME, UV_CACHE_DIR and WHICHPYTHON_CACHE_DIR "
        "in a fresh empty dir per run",
        "env_semi": "semi-env adds BENCH_UNRELATED=<unique per run>; semi-cwd runs in a fresh "
        "empty dir, semi-project in a fresh dir holding a pyproject.toml; semi-touch sets a new "
        f"mtime on {bench.touch_dir}",
        "expected": {k: v for k, v in expected.items() if k != "locations"},
        "rows": rows,
        "warm_spawns": bench.spawns,
        "nix_scan_ms": _nix_scan(machine),
        "probe_vs_pass": _probe_vs_pass(args.reps, env, bench.cwd),
    }


def _nix_scan(machine: dict[str, str]) -> Any:
    """The store's Pythons found by a new process (the per-process listing dropped before
    each): by a full scan (no cache), and from the listing an earlier process stored."""
    try:
        from whichpython.sources import nix
        from whichpython.sources.base import Context
    except ImportError as exc:
        return f"unavailable: {exc}"
    found = {}
    with tempfile.TemporaryDirectory() as cache:
        for what, extra in (("full", {"WHICHPYTHON_NO_CACHE": "1"}),
                            ("stored", {"WHICHPYTHON_CACHE_DIR": cache})):  # fmt: skip
            ctx = Context(environ=dict(machine, **extra), cwd=os.getcwd())
            nix._LISTINGS.clear()
            list(nix.NixStore().candidates(ctx))  # stores the listing (in the "stored" case)
            times = []
            for _ in range(5):
                nix._LISTINGS.clear()
                start = time.perf_counter()
                list(nix.NixStore().candidates(ctx))
                times.append((time.perf_counter() - start) * 1000)
            found[what] = statistics.median(times)
    return found


def _probe_vs_pass(reps: int, env: dict[str, str], cwd: str) -> dict[str, Any]:
    """One cold probe (in this process) vs ``python -I -c pass`` of pyenv 3.12, minimal env."""
    try:
        from whichpython.probe.runner import run_probe
    except ImportError as exc:
        return {"error": f"unavailable: {exc}"}
    python = next((p for p in real_interpreters() if p.endswith("/python3.12")), None)
    if python is None:
        return {}
    probe, bare = [], []
    for _ in range(max(reps, 5)):
        start = time.perf_counter()
        run_probe(python, environ=env)
        probe.append((time.perf_counter() - start) * 1000)
        bare.append(run([python, "-I", "-c", "pass"], env, cwd, 60).ms)
    return {"probe_ms": statistics.median(probe), "pass_ms": statistics.median(bare)}


def _meta(tools: list[peer_module.Tool], args: Any) -> dict[str, Any]:
    repo = Path(__file__).resolve().parent.parent
    code = "import whichpython; print(whichpython.__file__)"
    where = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    commit = f"whichpython imported from {where.strip()}"
    if where.startswith(str(repo)):
        git = ["git", "-C", str(repo)]
        head = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        )
        dirty = subprocess.run(
            [*git, "status", "--porcelain", "src"], capture_output=True, text=True
        )
        commit += f" at commit {head.stdout.strip()}" + (
            " + uncommitted changes" if dirty.stdout else ""
        )
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "uname": " ".join(platform.uname()),
        "cpus": os.cpu_count(),
        "python": f"{sys.executable} (Python {platform.python_version()})",
        "commit": commit,
        "versions": peer_module.tool_versions(tools),
        "settings": {k: v for k, v in vars(args).items() if k not in ("out", "work")},
    }


def _fmt(ms: Any) -> str:
    return "" if ms is None else f"{ms:.1f}" if ms < 1000 else f"{ms:.0f}"


def report(result: dict[str, Any]) -> str:
    """The rows of one scale, as a table."""
    lines = [
        f"scale {result['scale']} candidates ({result['expected']['list']} distinct "
        f"interpreters; {result['seconds']:.0f} s)",
        f"{'row':<42}{'median':>9}{'min':>9}{'max':>9}{'n':>4}{'ratio':>8}  marks / answer",
    ]
    for key, row in result["rows"].items():
        ratio = f"{row['ratio']:.1f}x" if "ratio" in row else ""
        notes = "; ".join(row["marks"] + row["answer"][:1]).replace(result["machine_root"], "$M")
        lines.append(
            f"{key:<42}{_fmt(row.get('median_ms')):>9}{_fmt(row.get('min_ms')):>9}"
            f"{_fmt(row.get('max_ms')):>9}{row['n']:>4}{ratio:>8}  {notes}"
        )
    lines.append(f"($M = {result['machine_root']})")
    if result["interference"]:
        lines.append(
            f"WARNING: {len(result['interference'])} files of the real interpreters changed "
            f"during this scale (e.g. {result['interference'][0]}): something else ran; warm "
            "rows may include revalidation. Rerun with nothing else running."
        )
    lines.append(f"processes spawned by whichpython on warm runs: {result['warm_spawns']}")
    nix = result["nix_scan_ms"]
    if isinstance(nix, dict):
        lines.append(f"nix store: full scan {_fmt(nix['full'])} ms, "
                     f"from the stored listing {_fmt(nix['stored'])} ms")  # fmt: skip
    else:
        lines.append(f"nix: {nix}")
    pv = result["probe_vs_pass"]
    if "probe_ms" in pv:
        lines.append(f"one cold probe {_fmt(pv['probe_ms'])} ms vs python -I -c pass "
                     f"{_fmt(pv['pass_ms'])} ms")  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, action="append", help="default: 10 30 100 1000")
    parser.add_argument("--reps", type=int, default=5, help="rounds (default 5)")
    parser.add_argument("--nix-entries", type=int, default=50_000)
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--peer", action="append", choices=TOOLS[1:], help="only these peers")
    parser.add_argument("--peer-max-scale", type=int, default=100, help="peers up to this scale")
    parser.add_argument("--slow-ms", type=float, default=2000, help="a slower first sample ...")
    parser.add_argument("--slow-reps", type=int, default=2, help="... caps a peer row's n")
    parser.add_argument("--hang-cap", type=float, default=20, help="s, hostile-PATH runs")
    parser.add_argument("--run-cap", type=float, default=300, help="s, any other run")
    parser.add_argument("--peers-venv", default=os.path.join(tempfile.gettempdir(), "wp-peers"))
    parser.add_argument("--work", default=None, help="where to build (default: a temp dir)")
    parser.add_argument("--out", help="write JSON results here")
    args = parser.parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="whichpython-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    ours = peer_module.whichpython_tool()
    others: list[peer_module.Tool] = []
    if not args.no_peers:
        peer_module.install_peers(args.peers_venv)
        pd = peer_module.install_discovery_venv(args.peers_venv, real_interpreters())
        others = [t for t in peer_module.peers(args.peers_venv, pd)
                  if not args.peer or t.name in args.peer]  # fmt: skip
    meta = _meta([ours, *others], args)
    print(f"{meta['date']}  {meta['uname']}  {meta['cpus']} CPUs")
    print(f"whichpython runs in {meta['python']}; {meta['commit']}")
    for name, version in meta["versions"].items():
        print(f"  {name}: {version}")
    results = []
    for scale in args.scale or [10, 30, 100, 1000]:
        tools = [ours, *(others if scale <= args.peer_max_scale else [])]
        result = bench_scale(scale, work, tools, args)
        if scale == (args.scale or [10])[0]:
            print("env of every child:", " ".join(sorted(result["env_warm"])),
                  "(+ BENCH_UNRELATED in semi-env and hostile-env rows; PATH gets a hostile dir "
                  "first in hostile rows, an empty dir last in semi-path and hostile-path "
                  "rows)")  # fmt: skip
        print(report(result), flush=True)
        if scale == (args.scale or [10])[0]:
            print(LEGEND, flush=True)
        results.append(result)
        if args.out:
            data = {**meta, "legend": LEGEND, "scales": results}
            Path(args.out).write_text(json.dumps(data, indent=1))


if __name__ == "__main__":
    main()
