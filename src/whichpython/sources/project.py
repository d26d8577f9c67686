"""The environments of the project the working directory is in, as its tools would pick them
(``find`` and ``list``: docs/discovery.md#the-projects-environments)."""

import os
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from whichpython.sources.base import Candidate, Context, EnvironmentSource, Source
from whichpython.sources.layout import same_path

if TYPE_CHECKING:
    import attrs
else:  # attrs with pre-built methods: attrs itself is imported only when asked for
    from whichpython.model import prebuilt as attrs


class ProjectEnvs(Source):
    """Each tool that has :attr:`~EnvironmentSource.markers` is asked, as the tool finds its
    own project, about the nearest directory (the working directory or above) holding one of
    them (not one another user planted: :meth:`Context.upward`): nearer projects first, the
    tools in the order given. A tool whose nearest project has no environment of its yields
    nothing; it is not asked about a project further up. A tool whose settings name its
    project (:meth:`~EnvironmentSource.named_project`) is asked about that one only: where
    the walk passes it, else after the walk."""

    name = "project"
    kind = "active"

    def __init__(self, tools: tuple[EnvironmentSource, ...]) -> None:
        self.tools = tuple(tool for tool in tools if tool.markers)

    def candidates(self, ctx: Context) -> Iterator[Candidate]:
        waiting = list(self.tools)
        named = {tool.name: tool.named_project(ctx) for tool in waiting}

        def asked(tool: EnvironmentSource, folder: str, present: list[str]) -> bool:
            place = named[tool.name]
            return same_path(place, folder) if place else bool(tool.markers & set(present))

        for folder, present in ctx.upward(markers(self.tools)):  # what is planted: passed over
            if not waiting:
                return
            for tool in [tool for tool in waiting if asked(tool, folder, present)]:
                waiting.remove(tool)
                yield from _owned(
                    tool.for_project(folder, attrs.evolve(ctx, walked=folder)), folder
                )
        for tool in waiting:  # a named project off the walk: the user's choice, taken as given
            place = named[tool.name]
            if place:
                yield from _owned(tool.for_project(place, ctx), place)


def _owned(candidates: Iterator[Candidate], folder: str) -> Iterator[Candidate]:
    """The candidates, each with its project (``folder`` unless the tool named one)."""
    for candidate in candidates:
        yield candidate if candidate.project else attrs.evolve(candidate, project=folder)


def markers(tools: Iterable[EnvironmentSource]) -> list[str]:
    """The names the tools look for, each once, in a stable order."""
    return sorted({name for tool in tools for name in tool.markers})


def nearest_project(ctx: Context, names: list[str]) -> str:
    """The nearest directory, the working directory or above, holding one of ``names`` that
    nobody untrusted controls (:meth:`Context.upward`); else the working directory."""
    for folder, _ in ctx.upward(names):
        return folder
    return os.path.abspath(ctx.cwd)
