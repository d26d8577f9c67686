"""Benchmark whichpython against uv, findpython, python-discovery and pythonfinder.

    python benchmarks/run.py [--scale 30 --scale 1000] [--reps 7] [--no-peers] [--out FILE]

Builds the synthetic machine of ``benchmarks/machine.py`` per scale, installs the peers into
their own venv (``--peers-venv``), then times, with interleaved repetitions, cold (empty caches)
and warm runs of ``find 3.12``, ``find '>=3.10'`` and ``list`` as CLI processes and as library
calls, counts the processes whichpython spawns on warm runs, times the Nix store scan, and
prints medians and peer/whichpython ratios (JSON with ``--out``). docs/performance.md has the
numbers and what they mean.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

from machine import build_machine
from peers import INPROC_TIMER

REQUESTS = {"find": "3.12", "find-range": ">=3.10", "list": None}
SPAWN_EVENTS = ("subprocess.Popen", "os.posix_spawn", "os.exec", "os.fork", "os.system")

# Run inside a python that has whichpython: time one library call after a cold first call,
# and count the processes spawned by the later (warm) calls.
WHICHPYTHON_TIMER = r"""
import json, statistics, sys, time
spawned = [0]
events = set(sys.argv[3].split(","))
sys.addaudithook(lambda event, args: spawned.__setitem__(0, spawned[0] + (event in events)))
start = time.perf_counter()
import whichpython
request = None if sys.argv[1] == "-" else sys.argv[1]
call = (lambda: whichpython.find_interpreters(request)) if request is None else (
    lambda: whichpython.find_interpreter(request))
result = call()
first = (time.perf_counter() - start) * 1000
before = spawned[0]
times = []
for _ in range(int(sys.argv[2])):
    start = time.perf_counter()
    call()
    times.append((time.perf_counter() - start) * 1000)
print(json.dumps({"first_ms": first, "median_ms": statistics.median(times),
                  "warm_spawns": spawned[0] - before}))
"""

# The CLI with an audit hook that reports how many processes it spawned (on stderr).
COUNTING_CLI = r"""
import sys
spawned = [0]
events = set(sys.argv[1].split(","))
sys.addaudithook(lambda event, args: spawned.__setitem__(0, spawned[0] + (event in events)))
sys.argv = ["whichpython", *sys.argv[2:]]  # a whichpython process: recorded answers apply
from whichpython.cli import main
code = main()
sys.stderr.write("SPAWNED=%d\n" % spawned[0])
raise SystemExit(code)
"""


def _timed(argv: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run from an empty dir: no project files (.venv, .python-version) steer any tool."""
    start = time.perf_counter()
    done = subprocess.run(
        argv, env=env, capture_output=True, text=True, timeout=600, cwd=env["BENCH_CWD"]
    )
    return (time.perf_counter() - start) * 1000, done


def _whichpython_args(scenario: str) -> list[str]:
    request = REQUESTS[scenario]
    return ["list"] if request is None else ["find", request]


def _whichpython_cli(scenario: str) -> list[str]:
    """The command a user types: the console script next to this python, else ``-m``."""
    script = Path(sys.executable).with_name("whichpython")
    entry = [str(script)] if script.exists() else [sys.executable, "-m", "whichpython"]
    return [*entry, *_whichpython_args(scenario)]


def bench_scale(
    scale: int, work: Path, reps: int, peers: list[Any], peers_python: Optional[str], nix: int
) -> dict[str, Any]:
    machine = build_machine(work / f"machine-{scale}", candidates=scale, nix_entries=nix)
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    base_env.update(machine)
    base_env["BENCH_CWD"] = tempfile.mkdtemp(prefix="cwd-", dir=work)
    warm_cache = tempfile.mkdtemp(prefix="warm-", dir=work)
    samples: dict[str, list[float]] = {}

    def env_for(
        mode: str, extra: list[str], tweaks: Optional[dict[str, str]] = None
    ) -> dict[str, str]:
        env = dict(base_env, **(tweaks or {}))
        cache = warm_cache if mode == "warm" else tempfile.mkdtemp(prefix="cold-", dir=work)
        env["WHICHPYTHON_CACHE_DIR"] = os.path.join(cache, "whichpython")
        env["XDG_CACHE_HOME"] = cache
        for var in extra:
            env[var] = os.path.join(cache, var.lower())
        return env

    # Prime the warm caches: whichpython's second run records its answer (the first probes).
    for scenario in REQUESTS:
        for _ in range(2):
            _timed(_whichpython_cli(scenario), env_for("warm", []))
        for peer in peers:
            if scenario in peer.cli:
                _timed(peer.cli[scenario], env_for("warm", peer.cache_env))
    spawns: dict[str, int] = {}
    failed: set[str] = set()  # peer commands that found nothing (status or empty output)
    for _ in range(reps):  # interleaved: every measurement once per round
        for scenario in REQUESTS:
            for mode in ("cold", "warm"):
                env = env_for(mode, [])
                ms, done = _timed(_whichpython_cli(scenario), env)
                samples.setdefault(f"whichpython cli {scenario} {mode}", []).append(ms)
                if mode == "warm":  # the same command again, untimed, counting processes
                    counting = [sys.executable, "-c", COUNTING_CLI, ",".join(SPAWN_EVENTS)]
                    _, done = _timed([*counting, *_whichpython_args(scenario)], env)
                    count = int(done.stderr.rsplit("SPAWNED=", 1)[-1].split()[0] or 0)
                    spawns[f"cli {scenario}"] = max(spawns.get(f"cli {scenario}", 0), count)
                request = REQUESTS[scenario] or "-"
                env = env_for(mode, [])  # cold: a cache of its own, not the CLI run's
                _, done = _timed(
                    [sys.executable, "-c", WHICHPYTHON_TIMER, request, "5", ",".join(SPAWN_EVENTS)],
                    env,
                )
                if done.returncode == 0:
                    data = json.loads(done.stdout)
                    key = f"whichpython lib {scenario} {mode}"
                    samples.setdefault(key, []).append(
                        data["first_ms"] if mode == "cold" else data["median_ms"]
                    )
                    if mode == "warm":
                        spawns[f"lib {scenario}"] = max(
                            spawns.get(f"lib {scenario}", 0), data["warm_spawns"]
                        )
                for peer in peers:
                    peer_env = env_for(mode, peer.cache_env, peer.env)
                    if scenario in peer.cli:
                        ms, done = _timed(peer.cli[scenario], peer_env)
                        key = f"{peer.name} cli {scenario} {mode}"
                        samples.setdefault(key, []).append(ms)  # how long it took, even to fail
                        if done.returncode != 0 or not done.stdout.strip():
                            failed.add(key)
                    if scenario in peer.inproc and peers_python:
                        _, done = _timed(
                            [peers_python, "-c", INPROC_TIMER, peer.imports,
                             peer.inproc[scenario], "5"],
                            peer_env,
                        )  # fmt: skip
                        data = json.loads(done.stdout or "{}") if done.returncode == 0 else {}
                        if "error" not in data and data:
                            samples.setdefault(f"{peer.name} lib {scenario} {mode}", []).append(
                                data["first_ms"] if mode == "cold" else data["median_ms"]
                            )
    medians = {key: statistics.median(values) for key, values in samples.items()}
    return {
        "scale": scale,
        "medians_ms": medians,
        "failed": sorted(failed),
        "warm_spawns": spawns,
        "nix_scan_ms": _nix_scan(machine),
        "probe_vs_pass": _probe_vs_pass(reps),
    }


def _nix_scan(machine: dict[str, str]) -> float:
    """A full scan of the store's names (the per-process listing is dropped before each)."""
    from whichpython.sources import nix
    from whichpython.sources.base import Context

    ctx = Context(environ=machine, cwd=os.getcwd())
    times = []
    for _ in range(5):
        nix._LISTINGS.clear()
        start = time.perf_counter()
        list(nix.NixStore().candidates(ctx))
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _probe_vs_pass(reps: int) -> dict[str, float]:
    """One cold probe vs ``python -I -c pass`` of the same interpreter (pyenv 3.12)."""
    from whichpython.probe.runner import run_probe

    python = "/root/.pyenv/versions/3.12.1/bin/python3.12"
    if not os.path.exists(python):
        return {}
    probe, bare = [], []
    for _ in range(max(reps, 5)):
        start = time.perf_counter()
        run_probe(python)
        probe.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        subprocess.run([python, "-I", "-c", "pass"], check=True)
        bare.append((time.perf_counter() - start) * 1000)
    return {"probe_ms": statistics.median(probe), "pass_ms": statistics.median(bare)}


def report(result: dict[str, Any]) -> str:
    medians = result["medians_ms"]
    lines = [f"scale {result['scale']} candidates", f"{'measurement':<44}{'median ms':>10}  ratio"]
    for key in sorted(medians):
        tool, rest = key.split(" ", 1)
        ours = medians.get(f"whichpython {rest}")
        ratio = f"{medians[key] / ours:6.1f}x" if ours and tool != "whichpython" else ""
        note = "  (found nothing)" if key in result["failed"] else ""
        lines.append(f"{key:<44}{medians[key]:>10.1f}  {ratio}{note}")
    lines.append(f"warm processes spawned by whichpython: {result['warm_spawns']}")
    lines.append(f"nix store scan: {result['nix_scan_ms']:.1f} ms")
    if result["probe_vs_pass"]:
        pv = result["probe_vs_pass"]
        lines.append(
            f"one cold probe {pv['probe_ms']:.1f} ms vs python -I -c pass {pv['pass_ms']:.1f} ms"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, action="append", help="candidates (10, 100, 1000)")
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--nix-entries", type=int, default=50_000)
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--peers-venv", default=os.path.join(tempfile.gettempdir(), "wp-peers"))
    parser.add_argument("--work", default=None, help="where to build (default: a temp dir)")
    parser.add_argument("--out", help="write JSON results here")
    args = parser.parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="whichpython-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    peers: list[Any] = []
    peers_python = None
    if not args.no_peers:
        import peers as peer_module

        peers_python = peer_module.install_peers(args.peers_venv)
        peers = peer_module.peers(args.peers_venv)
    results = []
    for scale in args.scale or [10, 30, 100, 1000]:
        result = bench_scale(scale, work, args.reps, peers, peers_python, args.nix_entries)
        print(report(result), flush=True)
        results.append(result)
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
