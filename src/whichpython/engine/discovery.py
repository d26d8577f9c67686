"""The discovery engine: walk the sources in priority order, skip what cannot match without
running it, probe lazily (``find``) or in parallel (``list``), and explain every verdict."""

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Optional, Union

from whichpython.cache.probes import Cache
from whichpython.engine.deadline import Deadline, verdict_of
from whichpython.engine.inspection import cached_interpreter
from whichpython.engine.policy import UNROOTED, Policy, Verdict
from whichpython.engine.searching import Item as _Item
from whichpython.engine.searching import StoreMarks
from whichpython.engine.searching import identity as _identity
from whichpython.engine.searching import skipped_files as _skipped
from whichpython.engine.searching import static_identity as _static_identity
from whichpython.facts.environments import found_by
from whichpython.memo import OneSearch
from whichpython.model.errors import InterpreterError, InterpreterNotFound
from whichpython.model.models import Considered, Interpreter, Skipped
from whichpython.request.grammar import Request, RequestError, parse_request
from whichpython.request.versionfile import find_version_file
from whichpython.sources import Candidate, Context, Source, ordered_sources, resolve_shim
from whichpython.sources.base import working_dir
from whichpython.sources.path import SearchPath
from whichpython.sources.pyenv import named_version
from whichpython.sources.pyvenv import directory_python

if TYPE_CHECKING:
    import attrs
else:  # attrs with pre-built methods: attrs itself is imported only when asked for
    from whichpython.model import prebuilt as attrs

_MAX_WORKERS = 16
#: What a search accepts: a request string, a path, a parsed request, or None (any).
RequestLike = Union[str, "os.PathLike[str]", Request, None]


@attrs.frozen
class SearchResult:
    """What a search found, in priority order, and every candidate it considered."""

    request: Request
    interpreters: list[Interpreter]
    candidates: list[Considered]
    version_file: Optional[str] = None
    #: Files not read (not regular, too large), each with the reason.
    skipped: list[Skipped] = attrs.field(factory=list)


def _dirs(value: "Iterable[str] | str") -> tuple[str, ...]:
    """Directories as a tuple; a string is os.pathsep-separated, as in the variable."""
    return tuple(value.split(os.pathsep) if isinstance(value, str) else value)


@attrs.frozen
class Discovery:
    """Searches for interpreters with one set of preferences (see :func:`find_interpreter`)."""

    prefer: str = "managed"
    venvs: str = "allow"
    cwd: Optional[str] = None
    environ: Optional[Mapping[str, str]] = None
    timeout: Optional[float] = None
    cache: bool = True
    root: str = "/"
    #: Called with each candidate's path as it is about to be inspected (a progress line).
    progress: Optional[Callable[[str], None]] = attrs.field(default=None, eq=False)
    #: Called by :meth:`find_all` with each match as soon as it and every candidate before
    #: it are settled, in priority order (its ``aliases`` may still grow afterwards).
    found: Optional[Callable[[Interpreter], None]] = attrs.field(default=None, eq=False)
    #: Install directories searched beyond PATH, one level deep, before
    #: ``$WHICHPYTHON_EXTRA_DIRS`` (docs/discovery.md): ``["/opt", "/opt/rh"]``.
    extra_dirs: tuple[str, ...] = attrs.field(default=(), converter=_dirs)
    #: Seconds a search may take from its start (None: ``$WHICHPYTHON_DEADLINE``, else 4
    #: probe timeouts), then it probes no more and ends with what it has (docs/security.md).
    deadline: Optional[float] = None

    def context(self) -> Context:
        """Where and for whom this search looks; its deadline starts now."""
        environ = os.environ if self.environ is None else self.environ
        cwd = self.cwd or working_dir(environ)
        clock = Deadline.start(self.deadline, self.timeout, environ)
        return Context(environ=environ, cwd=cwd, root=self.root, extra_dirs=self.extra_dirs,
                       deadline=clock)  # fmt: skip

    def find(self, request: RequestLike = None, *, explain: bool = False) -> SearchResult:
        """The best match: the first plain build in priority order, else the first match.
        Without a request, the nearest version file's lines are tried in order."""
        ctx = self.context()
        with OneSearch():
            if request is None or request == "":
                found = find_version_file(ctx.cwd, skip=ctx.skip, environ=ctx.environ)
                if found is not None:
                    return self._find_from_file(found.path, found.requests, ctx, explain)
            parsed = request if isinstance(request, Request) else parse_request(request)
            return self._find(parsed, ctx, explain)

    def find_all(self, request: RequestLike = None) -> SearchResult:
        """Every match, probed in parallel, in priority order (duplicates merged)."""
        parsed = request if isinstance(request, Request) else parse_request(request)
        ctx = self.context()
        if parsed.path:
            return self._explicit(parsed, ctx)
        policy = Policy(parsed, self.prefer, self.venvs)
        with OneSearch():
            items = list(self._items(policy, ctx))
            matched: list[_Item] = []
            unrooted: list[_Item] = []  # Nix store Pythons no root reaches: ranked last
            seen: dict[tuple[str, str], _Item] = {}
            probed = self._probe_all([item for item in items if item.verdict is None], ctx)
            for item in StoreMarks.settled(probed, items, ctx):
                if item.verdict is None and self._decide(item, policy, seen):
                    assert item.interpreter is not None
                    late = item.interpreter.nix_unrooted
                    item.verdict = Verdict("match", f"matches, but {UNROOTED}" if late
                                           else "matches")  # fmt: skip
                    (unrooted if late else matched).append(item)
                    if self.found is not None and not late:
                        self.found(self._finish(item))
            for item in unrooted:
                matched.append(item)
                if self.found is not None:
                    self.found(self._finish(item))
            matches = [self._finish(item) for item in matched]
        considered = [item.considered() for item in items]
        return SearchResult(parsed, matches, considered, skipped=_skipped(ctx))

    # -- the two searches ------------------------------------------------------------------

    def _find(
        self, request: Request, ctx: Context, explain: bool, system: bool = False
    ) -> SearchResult:
        """The best match; ``system`` is pyenv's meaning of the word in a version file: a
        Python on PATH that pyenv does not manage."""
        if request.path:
            return self._explicit(request, ctx)
        policy = Policy(
            request, self.prefer, self.venvs, not_managed_by="pyenv" if system else None
        )
        sources = (SearchPath(),) if system else None
        items: list[_Item] = []
        deferred: list[_Item] = []
        chosen: Optional[_Item] = None
        fallbacks: list[_Item] = []
        seen: dict[tuple[str, str], _Item] = {}
        marks = StoreMarks(ctx)
        for item in self._items(policy, ctx, sources):
            if chosen is not None and not explain:
                break
            items.append(item)
            if item.verdict is not None:
                continue
            if chosen is not None:
                item.verdict = Verdict("not-probed", "not probed: an earlier candidate won")
            elif not policy.statically_plain(item.candidate.hints):
                deferred.append(item)
            elif self._judge(item, policy, ctx, seen, (marks, items)):
                chosen = self._plain_or_fallback(item, policy, fallbacks)
        for item in deferred:
            if chosen is not None:
                item.verdict = Verdict("not-probed", "not probed: a plain build matched first")
            elif self._judge(item, policy, ctx, seen, (marks, items)):
                chosen = self._plain_or_fallback(item, policy, fallbacks)
        if chosen is None and fallbacks:
            chosen = min(
                fallbacks, key=lambda item: policy.fallback_rank(item.interpreter, item.rank)
            )
        for item in fallbacks:
            assert item.interpreter is not None
            item.verdict = policy.fallback_verdict(item.interpreter, chosen=item is chosen)
        if chosen is None:
            considered = [item.considered() for item in items]
            raise InterpreterNotFound(str(request), considered, skipped=_skipped(ctx))
        if chosen.verdict is None:
            chosen.verdict = Verdict("chosen", "chosen")
        interpreter = self._finish(chosen)
        considered = [item.considered() for item in items]
        return SearchResult(request, [interpreter], considered, skipped=_skipped(ctx))

    @staticmethod
    def _plain_or_fallback(item: _Item, policy: Policy, fallbacks: list[_Item]) -> Optional[_Item]:
        assert item.interpreter is not None
        if policy.is_plain(item.interpreter):
            return item
        fallbacks.append(item)
        return None

    def _find_from_file(
        self, path: str, lines: tuple[str, ...], ctx: Context, explain: bool
    ) -> SearchResult:
        considered: list[Considered] = []
        for line in lines:
            system = line == "system"
            try:
                request = Request(line) if system else parse_request(line)
            except RequestError as error:
                raise RequestError(f"{path}: {error}") from None
            installed = named_version(line, ctx) if request.name or request.path else None
            try:
                if installed is not None:  # pyenv's name for an install: that one
                    request = Request(line, path=installed)
                    result = self._explicit(request, ctx, source="pyenv")
                else:
                    result = self._find(request, ctx, explain, system)
            except InterpreterNotFound as missing:
                considered += missing.candidates
                continue
            return attrs.evolve(
                result, candidates=considered + result.candidates, version_file=path
            )
        raise InterpreterNotFound(
            " or ".join(lines), considered, f"; asked by {path}", skipped=_skipped(ctx)
        )

    def _explicit(self, request: Request, ctx: Context, source: str = "explicit") -> SearchResult:
        assert request.path is not None
        inside = directory_python(request.path, windows=ctx.windows)
        path = inside if inside and os.path.isdir(request.path) else request.path
        item = _Item(Candidate(path, source), rank=0)
        try:
            item.interpreter = self._inspect(path, ctx)
        except InterpreterError as error:
            detail = verdict_of(error)
            raise InterpreterNotFound(
                request.raw, [attrs.evolve(item, verdict=detail).considered()]
            ) from None
        named = "explicit path" if source == "explicit" else f"{source}'s install of that name"
        item.verdict = Verdict("chosen", f"chosen ({named})")
        found = [self._finish(item)]
        return SearchResult(request, found, [item.considered()], skipped=_skipped(ctx))

    # -- shared steps ----------------------------------------------------------------------

    def _sources(self, request: Request) -> tuple[Source, ...]:
        if request.name or request.implementation == "jython":  # Jython: only when asked
            return (SearchPath(names=(request.name or "jython",)),)
        return ordered_sources(self.prefer)

    def _items(
        self, policy: Policy, ctx: Context, sources: Optional[tuple[Source, ...]] = None
    ) -> Iterator[_Item]:
        """Candidates in priority order: shims resolved, static duplicates folded into the
        first occurrence, static mismatches decided."""
        first: dict[tuple[str, Optional[str]], _Item] = {}
        rank = 0
        for source in sources or self._sources(policy.request):
            for candidate in source.candidates(ctx):
                rank += 1
                if candidate.problem is not None:
                    failed = Verdict("failed", f"failed: {candidate.problem}")
                    yield _Item(candidate, rank, verdict=failed)
                    continue
                shim = resolve_shim(candidate.path, ctx)
                if shim is not None and not shim.targets:
                    yield _Item(candidate, rank, verdict=Verdict("shim", shim.reason))
                    continue
                item = _Item(candidate, rank, target=shim.targets[0] if shim else None)
                key = _static_identity(item.path)
                if key in first:
                    earlier = first[key]
                    earlier.aliases.append(candidate.path)
                    item.verdict = _duplicate(item, earlier)
                else:
                    first[key] = item
                    item.verdict = policy.static_reject(item.candidate.hints)
                yield item

    def _inspect(self, path: str, ctx: Context) -> Interpreter:
        return ctx.deadline.inspect(path, self.cache, ctx.environ)  # type: ignore[no-any-return]

    def _from_cache(self, item: _Item, store: Cache, ctx: Context) -> bool:
        """Settle ``item`` from the cache (an answer or a remembered failure), if it can."""
        try:
            item.interpreter = cached_interpreter(item.path, store, ctx.environ, self.timeout)
        except InterpreterError as error:
            item.verdict = Verdict("failed", f"failed: {error.cause}")
            return True
        return item.interpreter is not None

    def _probe(self, item: _Item, ctx: Context) -> None:
        if self.progress is not None:
            self.progress(item.path)
        try:
            item.interpreter = self._inspect(item.path, ctx)
        except InterpreterError as error:
            item.verdict = verdict_of(error)

    def _probe_all(self, items: list[_Item], ctx: Context) -> Iterator[_Item]:
        """Yields ``items`` in order, each once inspected: cached answers are read first, in
        this thread; the misses are probed in parallel."""
        misses = items
        if self.cache:
            store = Cache.from_environ(ctx.environ)
            if store is not None:
                misses = [item for item in items if not self._from_cache(item, store, ctx)]
        if len(misses) <= 1:
            for item in items:
                if any(item is miss for miss in misses):
                    self._probe(item, ctx)
                yield item
            return
        import concurrent.futures

        with concurrent.futures.ThreadPoolExecutor(min(_MAX_WORKERS, len(misses))) as pool:
            probes = {id(item): pool.submit(self._probe, item, ctx) for item in misses}
            for item in items:
                probe = probes.get(id(item))
                if probe is not None:
                    probe.result()
                yield item

    def _judge(
        self,
        item: _Item,
        policy: Policy,
        ctx: Context,
        seen: dict[tuple[str, str], _Item],
        store: tuple[StoreMarks, list[_Item]],
    ) -> bool:
        """Probe one item and decide it (a Nix store Python marked first, knowing the
        interpreters met so far); True when it matches."""
        self._probe(item, ctx)
        marks, met = store
        if marks.is_store(item):
            marks.mark([item], met)
        return self._decide(item, policy, seen)

    @staticmethod
    def _decide(item: _Item, policy: Policy, seen: dict[tuple[str, str], _Item]) -> bool:
        interpreter = item.interpreter
        if interpreter is None:
            return False
        key = _identity(interpreter)
        if key in seen:
            earlier = seen[key]
            earlier.aliases += [item.candidate.path, item.path, *item.aliases]
            item.verdict = _duplicate(item, earlier)
            return False
        seen[key] = item
        item.verdict = policy.reject(interpreter)
        return item.verdict is None

    @staticmethod
    def _finish(item: _Item) -> Interpreter:
        assert item.interpreter is not None
        primary = item.place or item.path  # a store Python: the path a user reaches it by
        paths = [item.path, item.candidate.path, *item.aliases]
        aliases = [a for a in dict.fromkeys(paths) if a != primary]
        found = found_by(item.interpreter, item.candidate.source, item.candidate.project)
        return attrs.evolve(found, path=primary, source=item.candidate.source, aliases=aliases)


def _duplicate(item: _Item, earlier: _Item) -> Verdict:
    """The verdict on ``item``, the same interpreter as ``earlier``: the same path found
    again by another source is said so, not called a duplicate of itself."""
    if item.candidate.path in (earlier.path, earlier.candidate.path):
        first = earlier.candidate.source
        return Verdict("duplicate", f"duplicate: the same path, found first by {first}")
    return Verdict("duplicate", f"duplicate of {earlier.path}")


def find_interpreter(
    request: Union[str, "os.PathLike[str]", None] = None,
    *,
    prefer: str = "managed",
    venvs: str = "allow",
    cwd: Optional[str] = None,
    environ: Optional[Mapping[str, str]] = None,
    timeout: Optional[float] = None,
    cache: bool = True,
    extra_dirs: Iterable[str] = (),
    deadline: Optional[float] = None,
) -> Interpreter:
    """The interpreter a request selects (docs/discovery.md).

    Priority: an explicit path, the active venv, the active conda env, the project's
    ``.venv``, then installed interpreters in source order for ``prefer`` (``managed``,
    ``system``, ``only-managed``, ``only-system``); ``venvs`` is ``allow``, ``never`` or
    ``only``; ``extra_dirs`` are install directories searched beyond PATH; ``deadline``
    bounds the whole search in seconds (default: ``$WHICHPYTHON_DEADLINE``, else 4 probe
    timeouts; candidates left are ``not probed``). Plain final
    CPython builds win over prereleases, debug, free-threaded and other implementations
    unless the request asks for them. Raises
    :class:`~whichpython.model.errors.InterpreterNotFound` with every candidate's verdict.
    """
    search = Discovery(prefer, venvs, cwd, environ, timeout, cache, extra_dirs=extra_dirs,
                       deadline=deadline)  # fmt: skip
    return search.find(request).interpreters[0]


def find_interpreters(
    request: Union[str, "os.PathLike[str]", None] = None,
    *,
    prefer: str = "managed",
    venvs: str = "allow",
    cwd: Optional[str] = None,
    environ: Optional[Mapping[str, str]] = None,
    timeout: Optional[float] = None,
    cache: bool = True,
    extra_dirs: Iterable[str] = (),
    deadline: Optional[float] = None,
) -> Iterator[Interpreter]:
    """Every interpreter matching ``request``, in priority order, each once (with aliases);
    the arguments are :func:`find_interpreter`'s."""
    search = Discovery(prefer, venvs, cwd, environ, timeout, cache, extra_dirs=extra_dirs,
                       deadline=deadline)  # fmt: skip
    return iter(search.find_all(request).interpreters)
