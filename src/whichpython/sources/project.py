"""The environments of the project the working directory is in, as its tools would pick them
(``find`` and ``list``: docs/discovery.md#the-projects-environments)."""

import os
from collections.abc import Iterable, Iterator

import attrs

from whichpython.sources.base import Candidate, Context, EnvironmentSource, Source


class ProjectEnvs(Source):
    """Each tool that has :attr:`~EnvironmentSource.markers` is asked, as the tool finds its
    own project, about the nearest directory (the working directory or above) holding one of
    them (not one another user planted: :meth:`Context.upward`): nearer projects first, the
    tools in the order given. A tool whose nearest project has no environment of its yields
    nothing; it is not asked about a project further up."""

    name = "project"
    kind = "active"

    def __init__(self, tools: tuple[EnvironmentSource, ...]) -> None:
        self.tools = tuple(tool for tool in tools if tool.markers)

    def candidates(self, ctx: Context) -> Iterator[Candidate]:
        waiting = list(self.tools)
        for folder, present in ctx.upward(markers(self.tools)):  # what is planted: passed over
            if not waiting:
                return
            for tool in [tool for tool in waiting if tool.markers & set(present)]:
                waiting.remove(tool)
                for candidate in tool.for_project(folder, attrs.evolve(ctx, walked=folder)):
                    yield (
                        candidate if candidate.project else attrs.evolve(candidate, project=folder)
                    )


def markers(tools: Iterable[EnvironmentSource]) -> list[str]:
    """The names the tools look for, each once, in a stable order."""
    return sorted({name for tool in tools for name in tool.markers})


def nearest_project(ctx: Context, names: list[str]) -> str:
    """The nearest directory, the working directory or above, holding one of ``names`` that
    nobody untrusted controls (:meth:`Context.upward`); else the working directory."""
    for folder, _ in ctx.upward(names):
        return folder
    return os.path.abspath(ctx.cwd)
