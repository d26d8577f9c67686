"""pixi's environments: ``<workspace>/.pixi/envs/<name>``, conda prefixes marked by the
``conda-meta/pixi`` file pixi writes after installing them (fixtures/environments/pixi.json)."""

import os
from collections.abc import Iterator

from whichpython.sources.base import Candidate, Context, EnvironmentSource, prefix_executable
from whichpython.sources.layout import child_dirs, prefix_hints
from whichpython.sources.pyvenv import directory_python


class PixiEnvs(EnvironmentSource):
    """For a project: each ``.pixi/envs/<name>`` with a ``conda-meta/pixi`` file, by name
    (``default`` first), its interpreter ``bin/python3.X`` (``python.exe`` on Windows). With
    ``detached-environments`` set, pixi makes ``.pixi/envs`` a link to the detached dir on
    Linux and macOS, so those are found through the link.

    None machine-wide: a detached dir's envs are named by a hash of the workspace path
    (xxh3, not in the standard library) and its location is pixi config; neither is read.
    Envs of pixi versions that wrote only ``conda-meta/pixi_env_prefix`` are not claimed."""

    name = "pixi"
    markers = frozenset({"pixi.toml", ".pixi"})

    def for_project(self, project: str, ctx: Context) -> Iterator[Candidate]:
        envs = os.path.join(project, ".pixi", "envs")
        names = sorted(child_dirs(envs), key=lambda name: (name != "default", name))
        for name in names:
            prefix = os.path.join(envs, name)
            if ctx.distrusted(prefix):  # in a walked-up project, another user's: not used
                continue
            if not os.path.isfile(os.path.join(prefix, "conda-meta", "pixi")):
                continue
            hints = prefix_hints(prefix)
            python = prefix_executable(prefix, ctx, hints)
            if python is None:  # a dangling link is still the env's interpreter
                python = directory_python(prefix, windows=ctx.windows)
            if python is not None:
                yield Candidate(python, self.name, hints, project=project)
