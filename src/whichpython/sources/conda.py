"""conda, mamba and pixi prefixes: the active one (``CONDA_PREFIX``) and every known env.

A prefix is recognised by its ``conda-meta`` directory, whose ``python-3.x.y-*.json`` record
gives the version without running anything.
"""

import glob
import os
import re
from collections.abc import Iterator

from whichpython.files import CONFIG, FileRefused, read_text
from whichpython.sources.base import Candidate, Context, Hints, Source, prefix_executable, subdirs

_RECORD = re.compile(r"^python-(\d+\.\d+\.\d+[^-]*)-")
_ROOTS = ("miniconda3", "miniforge3", "anaconda3", "mambaforge", "micromamba", "miniconda")


def prefix_hints(prefix: str) -> Hints:
    """The Python version a conda prefix records in ``conda-meta``."""
    for record in glob.glob(os.path.join(glob.escape(prefix), "conda-meta", "python-[0-9]*.json")):
        found = _RECORD.match(os.path.basename(record))
        if found:
            return Hints(version=found.group(1), venv=False)
    return Hints(venv=False)


def _candidate(prefix: str, source: str, ctx: Context) -> Iterator[Candidate]:
    if not os.path.isdir(os.path.join(prefix, "conda-meta")):
        return
    hints = prefix_hints(prefix)
    python = prefix_executable(prefix, ctx, hints)
    if python is not None:
        yield Candidate(python, source, hints)


class ActiveConda(Source):
    """The activated conda env, from ``CONDA_PREFIX``."""

    name = "active-conda"
    kind = "active"

    def candidates(self, ctx: Context) -> Iterator[Candidate]:
        prefix = ctx.environ.get("CONDA_PREFIX")
        if prefix:
            yield from _candidate(prefix, self.name, ctx)


class Conda(Source):
    """Base installs (``CONDA_EXE``'s, ``MAMBA_ROOT_PREFIX``, ``~/miniconda3``, ``~/miniforge3``,
    ..., ``/opt/conda``), their ``envs/``, ``~/.conda/envs`` and ``~/.conda/environments.txt``
    (a regular file of at most 1 MiB: anything else is noted in ``ctx.skipped``)."""

    name = "conda"
    kind = "managed"

    def candidates(self, ctx: Context) -> Iterator[Candidate]:
        for prefix in self._prefixes(ctx):
            yield from _candidate(prefix, self.name, ctx)

    def _prefixes(self, ctx: Context) -> list[str]:
        roots = []
        exe = ctx.environ.get("CONDA_EXE")
        if exe:
            roots.append(os.path.dirname(os.path.dirname(exe)))
        if ctx.environ.get("MAMBA_ROOT_PREFIX"):
            roots.append(ctx.environ["MAMBA_ROOT_PREFIX"])
        roots += [os.path.join(ctx.home, name) for name in _ROOTS]
        roots += [ctx.system_path("/opt/conda"), ctx.system_path("/opt/miniconda3")]
        prefixes: list[str] = []
        for root in roots:
            prefixes.append(root)
            prefixes += [
                os.path.join(root, "envs", name) for name in subdirs(os.path.join(root, "envs"))
            ]
        user = os.path.join(ctx.home, ".conda")
        prefixes += [
            os.path.join(user, "envs", name) for name in subdirs(os.path.join(user, "envs"))
        ]
        listing = os.path.join(user, "environments.txt")
        try:
            prefixes += [line.strip() for line in read_text(listing, CONFIG).splitlines()]
        except FileRefused as refused:
            ctx.skip(listing, refused.reason)
        except OSError:
            pass
        unique: dict[str, str] = {}
        for prefix in map(os.path.abspath, filter(None, prefixes)):
            unique.setdefault(os.path.normcase(prefix), prefix)
        return list(unique.values())
