"""The measurements of ``run.py``: minimal envs, capped runs, answer checks and row jobs.

Every child process (a CLI, a library timer, ``python -c pass``) gets an env built from
nothing, as ``env -i`` would: the machine's PATH, HOME and discovery variables, the cache-dir
variables of its mode (cold: fresh empty dirs; warm: the kept dir) and LANG. Each run starts
in an empty dir, so no project file steers a tool. A row is ``"<tool> <kind> <op> <mode>"``;
a job measures one or more rows per round (``Bench.jobs`` lists them in round order).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from machine import check, cli_paths, hostile_dir, kill_hostile
from peers import REQUESTS, Tool

_NAMES = itertools.count()


def _noop() -> None:
    pass


SPAWN_EVENTS = ("subprocess.Popen", "os.posix_spawn", "os.exec", "os.fork", "os.system")
SEMI = ("semi-touch", "semi-env", "semi-path", "semi-cwd", "semi-project")
HOSTILE = ("hostile-1", "hostile-2", "hostile-3")
# whichpython's hostile runs after the 3rd: with a new unrelated variable, with an empty dir
# appended to PATH (compared with the warm `list` after the same change: semi-env, semi-path)
HOSTILE_CHANGED = ("hostile-env", "hostile-path")

# Run as: <python> -c LIB_TIMER <imports> <call> <attr> <repeats> <events>. Times, in-process,
# from before the import to after the first call returns, then (warm) repeated calls, with
# an audit hook installed after the first call counting the processes the repeats spawn.
LIB_TIMER = r"""
import sys, time
start = time.perf_counter()
namespace = {}
exec(sys.argv[1], namespace)
imported = time.perf_counter()
error = None
try:
    result = eval(sys.argv[2], namespace)
except Exception as exc:  # whichpython raises InterpreterNotFound
    result, error = None, "%s: %s" % (type(exc).__name__, exc)
first = time.perf_counter()
spawned = [0]
events = set(sys.argv[5].split(","))
sys.addaudithook(lambda event, args: spawned.__setitem__(0, spawned[0] + (event in events)))
repeats = int(sys.argv[4]) if first - imported < 1 else min(int(sys.argv[4]), 1)
times = []
for _ in range(repeats):
    again = time.perf_counter()
    eval(sys.argv[2], namespace)
    times.append((time.perf_counter() - again) * 1000)
import json, statistics
items = [] if result is None else result if isinstance(result, (list, tuple)) else [result]
print(json.dumps({
    "import_ms": (imported - start) * 1000, "call_ms": (first - imported) * 1000,
    "first_ms": (first - start) * 1000, "repeat_ms": statistics.median(times) if times else None,
    "warm_spawns": spawned[0], "error": error,
    "paths": [str(getattr(item, sys.argv[3], item)) for item in items],
}))
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


@dataclass
class Done:
    """One capped run: wall ms, exit code (None when killed), output."""

    ms: float
    code: int | None
    out: str
    err: str

    @property
    def hung(self) -> bool:
        return self.code is None


def run(argv: list[str], env: dict[str, str], cwd: str, cap: float) -> Done:
    """Run in a session of its own; past ``cap`` seconds kill its whole process group.

    A blocking wait with a watchdog thread, not ``wait(timeout=)``: that one polls with
    sleeps of up to 50 ms and rounds every time up to the next poll. Output goes to files,
    not pipes, so a leftover grandchild holding them cannot stall us.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        killed = threading.Event()
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
            start_new_session=True,
        )  # fmt: skip

        def kill() -> None:
            killed.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

        watchdog = threading.Timer(cap, kill)
        watchdog.start()
        code: int | None = proc.wait()
        ms = (time.perf_counter() - start) * 1000
        watchdog.cancel()
        out.seek(0)
        err.seek(0)
        code = None if killed.is_set() else code
        return Done(ms, code, out.read().decode(errors="replace"), err.read().decode("latin-1"))


@dataclass
class Row:
    """Samples and marks of one row."""

    samples: list[float] = field(default_factory=list)
    marks: dict[str, int] = field(default_factory=dict)  # mark -> in how many samples
    notes: dict[str, int] = field(default_factory=dict)
    extra: list[str] = field(default_factory=list)  # row-level remarks (capped, not run)

    def add(self, ms: float | None, marks: Sequence[str] = (), note: str = "") -> None:
        if ms is not None:
            self.samples.append(ms)
        for mark in marks:
            self.marks[mark] = self.marks.get(mark, 0) + 1
        if note:
            self.notes[note] = self.notes.get(note, 0) + 1


@dataclass
class Job:
    """One measurement per round, feeding one or more rows."""

    tool: str
    rows: list[str]  # the first is the row whose first sample decides the slow-row cap
    measure: Callable[[int], float | None]  # rep -> that row's ms (None: hung, stop)
    peer: bool
    samples: int = 0
    limit: int | None = None
    stopped: bool = False


class Bench:
    """One scale: the machine's envs, expected answers and every job of a round."""

    def __init__(self, machine: dict[str, str], expected: dict[str, Any], work: Path,
                 tools: list[Tool], caps: dict[str, float]) -> None:  # fmt: skip
        self.machine = {k: v for k, v in machine.items() if k != "XDG_CACHE_HOME"}
        self.expected = expected
        self.work = work
        self.tools = tools
        self.caps = caps  # "run": any run, "hang": a hostile run
        self.cwd = tempfile.mkdtemp(prefix="cwd-", dir=work)
        self.warm_cache = tempfile.mkdtemp(prefix="warm-", dir=work)
        self.rows: dict[str, Row] = {}
        self.spawns: dict[str, int] = {}
        self.pidfile = work / "hostile-pids"
        self.pidfile.write_text("")
        self.touch_dir = next(
            d for d in machine["PATH"].split(os.pathsep)
            if d.startswith(str(work)) and any(n.startswith("python") for n in os.listdir(d))
        )  # fmt: skip
        self._stamp = 0

    def env(self, cache: str | None = None, **extra: str) -> dict[str, str]:
        """The minimal env; ``cache`` None is the warm dir."""
        cache = cache or self.warm_cache
        env = dict(self.machine, LANG="C.UTF-8", XDG_CACHE_HOME=cache)
        env["UV_CACHE_DIR"] = os.path.join(cache, "uv")
        env["WHICHPYTHON_CACHE_DIR"] = os.path.join(cache, "whichpython")
        env.update(extra)
        return env

    def row(self, key: str) -> Row:
        return self.rows.setdefault(key, Row())

    def _unique(self) -> str:
        """A name unique in this run (every scale shares the work dir)."""
        self._stamp += 1
        return f"{os.getpid()}-{next(_NAMES)}"

    # -- the context of one timed run ----------------------------------------------------

    def _context(self, mode: str) -> tuple[dict[str, str], str, Callable[[], None]]:
        """(env, cwd, cleanup) for a mode: cold, warm or one of SEMI (change applied)."""
        if mode == "cold":
            cache = tempfile.mkdtemp(prefix="cold-", dir=self.work)
            return self.env(cache), self.cwd, lambda: shutil.rmtree(cache, ignore_errors=True)
        if mode == "semi-touch":  # a new mtime on a PATH dir that holds interpreters
            self._stamp += 1
            stamp = time.time_ns() + self._stamp * 1000
            os.utime(self.touch_dir, ns=(stamp, stamp))
        if mode == "semi-env":
            return self.env(BENCH_UNRELATED=self._unique()), self.cwd, lambda: None
        if mode == "semi-path":  # an unrelated (empty) dir appended to PATH
            return self.env(PATH=self._unrelated_path(self.machine["PATH"])), self.cwd, _noop
        if mode in ("semi-cwd", "semi-project"):
            cwd = tempfile.mkdtemp(prefix=f"{mode}-", dir=self.work)
            if mode == "semi-project":  # a project without an env: no recorded answer holds
                with open(os.path.join(cwd, "pyproject.toml"), "w") as project:
                    project.write('[project]\nname = "semi"\nversion = "0"\n')
            return self.env(), cwd, lambda: shutil.rmtree(cwd, ignore_errors=True)
        return self.env(), self.cwd, lambda: None

    def _unrelated_path(self, path: str) -> str:
        folder = tempfile.mkdtemp(prefix="unrelated-", dir=self.work)
        return path + os.pathsep + folder

    # -- jobs ----------------------------------------------------------------------------

    def cli_job(self, tool: Tool, op: str, mode: str, argv: list[str] | None = None,
                kind: str = "cli") -> Job:  # fmt: skip
        key = f"{tool.name} {kind} {op} {mode}"

        def measure(rep: int) -> float | None:
            env, cwd, cleanup = self._context(mode)
            done = run(argv or tool.cli[op], env, cwd, self.caps["run"])
            if done.hung:
                self.row(key).add(None, [f"hung (killed at {self.caps['run']:.0f} s)"])
            else:
                marks, note = check(op, cli_paths(done.out), self.expected, "")
                self.row(key).add(done.ms, marks, note)
            if tool.name == "whichpython" and kind == "cli" and mode == "warm":
                self._count_spawns(op, env, cwd)
            cleanup()
            return None if done.hung else done.ms

        return Job(tool.name, [key], measure, tool.name != "whichpython")

    def _count_spawns(self, op: str, env: dict[str, str], cwd: str) -> None:
        request = REQUESTS[op]
        args = ["list"] if request is None else ["find", request]
        argv = [sys.executable, "-c", COUNTING_CLI, ",".join(SPAWN_EVENTS), *args]
        done = run(argv, env, cwd, self.caps["run"])
        tail = done.err.rsplit("SPAWNED=", 1)[-1].split()
        count = int(tail[0]) if "SPAWNED=" in done.err and tail else -1
        self.spawns[f"cli {op}"] = max(self.spawns.get(f"cli {op}", 0), count)

    def lib_job(self, tool: Tool, op: str, mode: str, path: str = "") -> Job:
        """A fresh process: import + first call, in-process (lib-first) and its wall (lib-proc).

        Mode ``repeat``: a warm process's later calls instead (lib-repeat, median of 5)."""
        assert tool.python
        kind = "lib-repeat" if mode == "repeat" else "lib-first"
        key = f"{tool.name} {kind} {op} {'warm' if mode == 'repeat' else mode}"
        proc_key = f"{tool.name} lib-proc {op} {mode}"
        cap = self.caps["hang" if path else "run"]

        def measure(rep: int) -> float | None:
            env, cwd, cleanup = self._context("warm" if mode in ("repeat", *HOSTILE) else mode)
            if path:
                env["PATH"] = path
            argv = [tool.python, "-c", LIB_TIMER, tool.imports, tool.lib[op], tool.attr,
                    "5" if mode == "repeat" else "0", ",".join(SPAWN_EVENTS)]  # fmt: skip
            done = run(argv, env, cwd, cap)
            cleanup()
            if done.hung:
                self.row(key if mode == "repeat" else proc_key).add(
                    None, [f"hung (killed at {cap:.0f} s)"]
                )
                return None
            try:
                data = json.loads(done.out.strip().splitlines()[-1])
            except (ValueError, IndexError):
                self.row(key).add(None, [f"failed: {done.err.strip().splitlines()[-1:]}"])
                return done.ms
            marks, note = check(op, data["paths"], self.expected, tool.python)
            if data["error"] and not data["paths"]:
                marks = [f"found nothing ({data['error'][:60]})"]
            if mode == "repeat":
                self.row(key).add(data["repeat_ms"], marks, note)
                if tool.name == "whichpython":
                    count = max(self.spawns.get(f"lib {op}", 0), data["warm_spawns"])
                    self.spawns[f"lib {op}"] = count
                return data["repeat_ms"]
            self.row(proc_key).add(done.ms, marks, note)
            self.row(key).add(data["first_ms"], marks, note)
            return done.ms

        rows = [key] if mode == "repeat" else [proc_key, key]
        return Job(tool.name, rows, measure, tool.name != "whichpython")

    def pass_job(self, tool: Tool) -> Job:
        key = f"{tool.name} python-pass"
        assert tool.python

        def measure(rep: int) -> float | None:
            done = run([tool.python, "-c", "pass"], self.env(), self.cwd, self.caps["run"])
            self.row(key).add(done.ms)
            return done.ms

        return Job(tool.name, [key], measure, False)

    def hostile_job(self, tool: Tool) -> Job:
        """``list`` with a hanging ``python3`` first on PATH (a fresh dir per rep): three runs
        for whichpython (it remembers the failure), two for a peer (do they remember?)."""
        kind = "cli" if "list" in tool.cli else "lib-proc"
        runs = HOSTILE + HOSTILE_CHANGED if tool.name == "whichpython" else HOSTILE[:2]

        def measure(rep: int) -> float | None:
            folder = hostile_dir(self.work / f"hostile-{tool.name}-{self._unique()}", self.pidfile)
            path = str(folder) + os.pathsep + self.machine["PATH"]
            first: float | None = None
            for index, mode in enumerate(runs):
                key = f"{tool.name} {kind} list {mode}"
                if kind == "cli":
                    env = self.env(PATH=path)
                    if mode == "hostile-env":
                        env["BENCH_UNRELATED"] = self._unique()
                    elif mode == "hostile-path":
                        env["PATH"] = self._unrelated_path(path)
                    done = run(tool.cli["list"], env, self.cwd, self.caps["hang"])
                    ms: float | None = None if done.hung else done.ms
                    if done.hung:
                        self.row(key).add(None, [f"hung (killed at {self.caps['hang']:.0f} s)"])
                    else:
                        marks, note = check("list", cli_paths(done.out), self.expected, "")
                        self.row(key).add(done.ms, marks, note)
                else:
                    ms = self.lib_job(tool, "list", mode, path).measure(rep)
                kill_hostile(self.pidfile)
                first = ms if index == 0 else first
                if ms is None:
                    for later in runs[index + 1 :]:
                        self.row(f"{tool.name} {kind} list {later}").extra.append(
                            f"not run: {mode} hung"
                        )
                    break
            return first

        rows = [f"{tool.name} {kind} list {mode}" for mode in runs]
        return Job(tool.name, rows, measure, tool.name != "whichpython")

    def prime(self, everything: bool) -> None:
        """Warm the kept caches, untimed: whichpython's recorded answers every round (a
        semi-warm or hostile run replaced them), every tool with a disk cache the first time."""
        for tool in self.tools:
            if not tool.disk_cache or (tool.name != "whichpython" and not everything):
                continue
            for _op, argv in tool.cli.items():
                for _ in range(2 if tool.name == "whichpython" else 1):
                    run(argv, self.env(), self.cwd, self.caps["run"])
            if tool.name == "whichpython":
                for _ in range(2):
                    run([sys.executable, "-m", "whichpython", "find", "3.12"], self.env(),
                        self.cwd, self.caps["run"])  # fmt: skip
            elif everything and tool.lib:
                for _op, call in tool.lib.items():
                    assert tool.python
                    argv = [tool.python, "-c", LIB_TIMER, tool.imports, call, tool.attr, "0",
                            ",".join(SPAWN_EVENTS)]  # fmt: skip
                    run(argv, self.env(), self.cwd, self.caps["run"])

    def jobs(self) -> list[Job]:
        """Every job of a round, in round order: cold, warm, library, semi-warm, hostile."""
        jobs: list[Job] = []
        for op in ("find", "find-range", "list"):
            for mode in ("cold", "warm"):
                jobs += [self.cli_job(t, op, mode) for t in self.tools if op in t.cli]
            for mode in ("cold", "warm", "repeat"):
                jobs += [self.lib_job(t, op, mode) for t in self.tools if op in t.lib]
        ours = self.tools[0]
        jobs.append(self.cli_job(ours, "find", "warm", [sys.executable, "-m", "whichpython",
                                                        "find", "3.12"], kind="cli-m"))  # fmt: skip
        jobs += [self.pass_job(t) for t in self.tools if t.lib]
        for op in ("find", "list"):
            for mode in SEMI:
                jobs += [self.cli_job(t, op, mode) for t in self.tools if op in t.cli]
                jobs += [
                    self.lib_job(t, op, mode)
                    for t in self.tools
                    if op in t.lib and (not t.cli or t is ours)
                ]
        jobs += [self.hostile_job(t) for t in self.tools if "list" in t.cli or "list" in t.lib]
        from extra_jobs import extra_jobs  # it uses this module's Job and run

        return jobs + extra_jobs(self, ours)

    def not_supported(self) -> None:
        """Rows a peer cannot have (no CLI, no library, no range syntax)."""
        for tool in self.tools[1:]:
            for op in REQUESTS:
                for kind, have in (("cli", tool.cli), ("lib", tool.lib)):
                    if op not in have:
                        self.row(f"{tool.name} {kind} {op} -").extra.append("not supported")
