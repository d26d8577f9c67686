"""Rows added for issue 25: ``whichpython --version`` (warm, against a warm ``find``) and the
IDE server's ``refresh`` (cold and warm, against the CLI's ``list``): see
``server_timing.py``."""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import TYPE_CHECKING

from machine import check
from scenarios import Job, run
from server_timing import refresh

if TYPE_CHECKING:
    from peers import Tool
    from scenarios import Bench


def version_job(bench: Bench, tool: Tool) -> Job:
    """``<tool> --version``, warm (the cache kept; it should not matter)."""
    key = f"{tool.name} cli version warm"

    def measure(rep: int) -> float | None:
        done = run([*tool.cli["find"][:-2], "--version"], bench.env(), bench.cwd, bench.caps["run"])
        bench.row(key).add(None if done.hung else done.ms, [] if done.code == 0 else ["failed"])
        return None if done.hung else done.ms

    return Job(tool.name, [key], measure, False)


def server_job(bench: Bench, tool: Tool, mode: str) -> Job:
    """``serve``: spawn, ``configure``, ``refresh {}``; cold (fresh caches) or warm (kept)."""
    spawn_key, refresh_key = f"{tool.name} server list {mode}", f"{tool.name} refresh list {mode}"
    argv = [*tool.cli["find"][:-2], "serve"]

    def measure(rep: int) -> float | None:
        cold = mode == "cold"
        cache = tempfile.mkdtemp(prefix=f"server-{mode}-", dir=bench.work) if cold else None
        env = bench.env(cache)
        try:
            timed = refresh(argv, env, bench.cwd, cache or bench.warm_cache, bench.caps["run"])
        finally:
            if cache:
                shutil.rmtree(cache, ignore_errors=True)
        if timed is None:
            bench.row(spawn_key).add(None, ["hung or failed"])
            return None
        spawn_ms, refresh_ms, found = timed
        marks, note = check("list", [os.path.abspath(p) for p in found], bench.expected, "")
        bench.row(spawn_key).add(spawn_ms, marks, note)
        bench.row(refresh_key).add(refresh_ms, marks, note)
        return spawn_ms

    return Job(tool.name, [spawn_key, refresh_key], measure, False)


def extra_jobs(bench: Bench, ours: Tool) -> list[Job]:
    """The rows of this round that only whichpython has."""
    return [version_job(bench, ours), server_job(bench, ours, "cold"),
            server_job(bench, ours, "warm")]  # fmt: skip
