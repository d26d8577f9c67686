"""What a search carries each candidate in (:mod:`whichpython.engine.discovery`): the candidate with
what became of it, and the keys that tell one interpreter from another."""

import os
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Optional

from whichpython.engine.policy import Verdict
from whichpython.facts.nixroots import STORE_SOURCE, StoreRoots
from whichpython.memo import realpath
from whichpython.model.models import Considered, Interpreter, Skipped
from whichpython.sources import Candidate, Context
from whichpython.sources.pyvenv import find_pyvenv_cfg

if TYPE_CHECKING:
    import attrs
else:  # attrs with pre-built methods: attrs itself is imported only when asked for
    from whichpython.model import prebuilt as attrs


@attrs.define
class Item:
    """A candidate on its way through the search, with what became of it."""

    candidate: Candidate
    rank: int
    target: Optional[str] = None  # what a shim runs
    aliases: list[str] = attrs.field(factory=list)
    verdict: Optional[Verdict] = None
    interpreter: Optional[Interpreter] = None
    place: Optional[str] = None  # where a user reaches a Nix store Python, outside the store

    @property
    def path(self) -> str:
        """The executable to inspect: a shim's target, else the candidate itself."""
        return self.target or self.candidate.path

    def considered(self) -> Considered:
        verdict = self.verdict or Verdict("not-probed", "not probed")
        known = self.interpreter.version if self.interpreter is not None else None
        version = known or self.candidate.hints.version  # what its layout says, unprobed
        return Considered(
            self.candidate.path, self.candidate.source, verdict.code, verdict.detail, version
        )


def skipped_files(ctx: Context) -> list[Skipped]:
    """The files the search's sources did not read, with the reasons."""
    return [Skipped(path, reason) for path, reason in ctx.skipped]


def environment_key(directory: str) -> str:
    """One environment (a venv, a prefix), however it was reached: its directory's real path.
    A link to it (pyenv-virtualenv's ``versions/NAME``, a symlinked ``.venv``) is the same
    environment; ``list``, ``envs`` and the server's refresh each list it once."""
    return realpath(directory)


def interpreter_key(binary: str, prefix: str) -> tuple[str, str]:
    """One interpreter: its binary's real path and its environment (:func:`environment_key`)."""
    return realpath(binary), environment_key(prefix)


def static_identity(path: str) -> tuple[str, Optional[str]]:
    """One candidate before it runs: its real path and its venv's directory."""
    cfg = find_pyvenv_cfg(path)
    return realpath(path), environment_key(os.path.dirname(cfg)) if cfg else None


def identity(interpreter: Interpreter) -> tuple[str, str]:
    """One interpreter, however it was reached: its real binary and its prefix."""
    return interpreter_key(interpreter.executable or interpreter.path, interpreter.prefixes.prefix)


class StoreMarks:
    """Marks the Nix store's Pythons a search meets: ``nix_unrooted`` when no root reaches
    them, else the path a user reaches them by (:mod:`whichpython.facts.nixroots`); the
    roots are looked at once per search, and only if the search meets one."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.roots: Optional[StoreRoots] = None

    @classmethod
    def settled(cls, probed: Iterator[Item], items: list[Item], ctx: Context) -> Iterator[Item]:
        """``probed`` in order; from the first Nix store Python on, once every probe has
        finished and the store's Pythons are marked (``list``: every interpreter is known)."""
        for item in probed:
            if cls.is_store(item):
                rest = [item, *probed]
                cls(ctx).mark([i for i in rest if cls.is_store(i)], items)
                yield from rest
                return
            yield item

    @staticmethod
    def is_store(item: Item) -> bool:
        """A Nix store Python, probed."""
        return item.candidate.source == STORE_SOURCE and item.interpreter is not None

    def mark(self, store: list[Item], items: Iterable[Item]) -> None:
        """Mark ``store`` (the store's items), knowing the interpreters of ``items``: those
        found another way, and the store's already marked rooted (an env roots its base)."""
        if not store:
            return
        if self.roots is None:
            self.roots = StoreRoots(self.ctx)
        marking = {id(item) for item in store}
        others = [i.interpreter for i in items if i.interpreter and id(i) not in marking
                  and not (self.is_store(i) and i.interpreter.nix_unrooted)]  # fmt: skip
        pythons = [item.interpreter for item in store if item.interpreter is not None]
        reach = self.roots.reach(pythons, others)
        for item, rooted, place in zip(store, reach.rooted, reach.places):
            assert item.interpreter is not None
            item.interpreter = attrs.evolve(item.interpreter, nix_unrooted=not rooted)
            item.place = place
