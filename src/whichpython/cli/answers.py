"""Recorded CLI answers: a repeated ``find``, ``list`` or ``inspect`` is answered from the last
run's output while every path that run looked at is unchanged.

A run is recorded only when every process it started was a probe whose outcome the probe
cache kept (with the files that outcome depends on), so every fact in its output came from
files and environment variables: the sources' directories and small files, and the probe
cache. While it runs, every path it stats, lists, opens or reads a link of is noted, and
every variable it reads; afterwards each path gets a signature (mode, inode, device, size,
mtime, ctime; a directory's mtime moves when an entry is added, removed or renamed; a
directory only listed also carries its listing's checksum). Replaying is two or three small
file reads and an ``os.stat`` per path; this module imports nothing of the engine, nor json
(whose ``re`` a ``python -m whichpython`` would not otherwise import): answers are
``marshal`` data, the format of ``.pyc`` files, read only by the Python that wrote them (its
version is in the key).

Keys: a command line, Python and kernel have an index file naming the sets of variables
recent recordings read; an answer's key adds one set's values (all of the environment, bar
shell bookkeeping, when the run iterated it), and the working directory unless the answer
holds in any directory where the project-file lookups find nothing (:meth:`Witness.upward`).
A new unrelated variable or a new empty directory to run in replays the same answer; a
changed variable the sources read, a changed signature, or a project file appearing means
the engine runs again (docs/cache.md), unless it is a new project's that no tool has an env
for (:func:`whichpython.cli.newproject.without_envs`, checked on each replay). Each file
names what selects it (the command line, Python, kernel, terminal and a digest of the
variables' values) and is refused for anything else; the cache dir and ``answers/`` must
be this user's alone before anything is read.
"""

import marshal
import os
import sys
import time

from whichpython.cachedir import SHELL_NOISE, cache_root, trusted_dir
from whichpython.cli.streams import OutputFailed, closed_pipe, output_failed
from whichpython.cli.terminal import width
from whichpython.files import (
    is_own_file,
    load_private,
    sweep_temp,
    write_private,
)
from whichpython.signatures import (
    ancestors,
    holds,
    is_witness_list,
    signature,
)

TYPE_CHECKING = False  # typing is not imported on the fast path
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any, Callable, TextIO


FORMAT = 5
COMMANDS = frozenset({"find", "list", "inspect"})
_MAX_WITNESSES = 100_000
_MAX_NAME_SETS = 8  # variable sets an index keeps
_MAX_FILES = 256  # answers kept per cache dir; the oldest go first
_MAX_BYTES = 64 * 1024 * 1024  # an answer file larger than this is neither written nor read
_MAX_LISTED = 256  # a directory above the working dir with more entries is not listed


def answers_dir(environ: "Mapping[str, str]") -> "str | None":
    """Where answers live: ``answers`` in :func:`cache_root`; None when caching is off or on
    Windows (its registry and C-level path checks cannot be witnessed)."""
    if sys.platform == "win32":
        return None
    root = cache_root(environ)
    return None if root is None else os.path.join(root, "answers")


def _valid(data: object) -> bool:
    """The shape :meth:`Answers._write` gives: anything else is not replayed."""
    return (
        isinstance(data, dict)
        and data.get("format") == FORMAT
        and type(data.get("code")) is int
        and data["code"] in (0, 1)
        and isinstance(data.get("stdout"), str)
        and isinstance(data.get("stderr"), str)
        and "expires" in data
        and (data["expires"] is None or type(data["expires"]) is float)
        and is_witness_list(data.get("witnesses"))
        and isinstance(data.get("environ"), dict)
        and all(
            type(k) is str and (v is None or type(v) is str) for k, v in data["environ"].items()
        )
        and "cwd" in data
        and (data["cwd"] is None or type(data["cwd"]) is str)
        and "selects" in data
        and isinstance(data.get("upward"), list)
        and all(
            isinstance(u, list) and len(u) == 2 and type(u[0]) is str and type(u[1]) is bool
            for u in data["upward"]
        )
    )


# A file name's digest: the bytes as a number modulo the largest 128-bit prime (no zlib or
# hashlib to import). Only a name: what a file is for is checked in it, so a collision
# costs a re-run.
_PRIME = (1 << 128) - 159


def _key(material: object) -> str:
    data = repr(material).encode("utf-8", "surrogateescape")
    return f"{int.from_bytes(data, 'little') % _PRIME:032x}{len(data):x}"


def _environment(names: "list[str] | None") -> "list[tuple[str, str | None]]":
    """The values an answer is keyed on: the named variables, or all but shell bookkeeping."""
    if names is None:
        return sorted((k, v) for k, v in os.environ.items() if k not in SHELL_NOISE)
    return [(name, os.environ.get(name)) for name in names]


class Answers:
    """The recorded answers of one command line (for the environments and working
    directories it was run in)."""

    def __init__(self, directory: str, words: "Sequence[str]") -> None:
        kernel = tuple(os.uname()) if hasattr(os, "uname") else None  # platform facts
        terminal = (width(sys.stdout), width(sys.stderr))  # output is fitted to a terminal
        self.identity = (
            FORMAT, sys.version, sys.executable, sys.prefix, list(words), kernel, terminal
        )  # fmt: skip
        self.directory = directory
        self.cwd = os.getcwd()
        self.index = os.path.join(directory, _key(self.identity) + ".marshal")
        self._values: dict[tuple[str, ...] | None, str] = {}  # digests of _environment()

    def _files(self, names: "list[str] | None") -> "tuple[str, str]":
        """The answer files for the variables ``names``: for this directory, for any."""
        anywhere = _key(self._selects(names))
        here = _key((anywhere, self.cwd))
        return (os.path.join(self.directory, here + ".marshal"),
                os.path.join(self.directory, anywhere + ".marshal"))  # fmt: skip

    def _selects(self, names: "list[str] | None") -> "tuple[Any, str]":
        """What an answer for the variables ``names`` must name as selecting it: this
        command line, Python, kernel and terminal, and a digest of the variables' values."""
        key = None if names is None else tuple(names)
        if key not in self._values:
            self._values[key] = _key(_environment(names))
        return self.identity, self._values[key]

    def _trusted(self, *, create: bool = False) -> bool:
        """Whether the cache dir and the answers dir are ours alone (else warned once)."""
        root = os.path.dirname(self.directory)
        name = os.path.basename(self.directory)
        return trusted_dir(root, name, "recorded answers", create=create) is not None

    @classmethod
    def for_process(cls, words: "Sequence[str]") -> "Answers | None":
        """Answers for this process's command line, or None when it cannot have one."""
        if not words or words[0] not in COMMANDS or "--no-cache" in words:
            return None
        try:
            directory = answers_dir(os.environ)
            return cls(directory, words) if directory else None
        except (OSError, ValueError):  # no cwd any more, say
            return None

    def _load(self, file: str) -> "Any":
        return load_private(file, _MAX_BYTES, marshal.loads, "a recorded answer")

    def replay(self) -> "int | None":
        """Print the recorded output and return its exit status, or None if it may be stale."""
        if not self._trusted():
            return None
        for names in self._name_sets():
            found = self._replay(names)
            if found is not None:
                return found
        return None

    def _name_sets(self) -> "list[list[str] | None]":
        """The sets of variables recent recordings read (a search that stops early reads
        fewer than one that goes on), newest first."""
        index = self._load(self.index)
        if not (
            isinstance(index, dict)
            and index.get("format") == FORMAT
            and index.get("identity") == self.identity  # not another command line's
        ):
            return []
        sets = index.get("names")
        if not isinstance(sets, list):
            return []
        return [
            names
            for names in sets[:_MAX_NAME_SETS]
            if names is None or (isinstance(names, list) and all(type(n) is str for n in names))
        ]

    def _replay(self, names: "list[str] | None") -> "int | None":
        for file in self._files(names):
            data = self._load(file)
            if _valid(data) and data["selects"] == self._selects(names) and self._holds(data):
                out, err, code = data["stdout"], data["stderr"], data["code"]
                try:
                    sys.stdout.write(out)
                    sys.stdout.flush()
                    sys.stderr.write(err)
                except BrokenPipeError:  # `whichpython list | head -1`: as the engine path does
                    return closed_pipe()
                except OutputFailed as failed:  # `>&-`, `>/dev/full`: as the engine path does
                    return output_failed(failed)
                return int(code)
        return None

    def _holds(self, data: "dict[str, Any]") -> bool:
        if data["expires"] is not None and time.time() >= data["expires"]:
            return False
        if data["cwd"] is not None and data["cwd"] != self.cwd:
            return False
        for name, value in data["environ"].items():
            if os.environ.get(name) != value:
                return False
        for path, follow, recorded in data["witnesses"]:
            if not holds(path, follow, recorded):
                return False
        lookups = data["upward"]
        found = [
            (folder, name)
            for folder in (ancestors(self.cwd) if lookups else ())
            for name in _present(folder, lookups)
        ]
        if not found:
            return True
        # A project file here: its answer may differ, unless it is a new project's that no
        # tool has an env for (checked afresh: nothing of it is in the record).
        from whichpython.cli.newproject import without_envs

        return without_envs(found)

    def record(self, run: "Callable[[], int]") -> int:
        """Run the command, tee its output, and keep it if nothing it used escaped the record."""
        from whichpython.cli.witness import Witness  # recording only: not on a replay

        out, err = _Tee(sys.stdout), _Tee(sys.stderr)
        sys.stdout, sys.stderr = out, err
        witness = Witness()
        try:
            with witness:
                code = run()
        finally:
            sys.stdout, sys.stderr = out.stream, err.stream
        if code in (0, 1) and witness.complete and not (out.failed or err.failed):
            witnesses = witness.signatures()
            if witnesses is not None:
                upward = witness.upward(self.cwd, witnesses)
                names = None if witness.whole_environment else sorted(witness.consulted)
                environ = {} if names is None else dict(witness.consulted)
                data = {"format": FORMAT, "code": code, "stdout": "".join(out.parts),
                        "stderr": "".join(err.parts), "expires": witness.expires,
                        "witnesses": witnesses, "environ": environ,
                        "cwd": None if upward is not None else self.cwd,
                        "upward": upward or []}  # fmt: skip
                here, anywhere = self._files(names)
                data["selects"] = self._selects(names)
                sets = [names, *(n for n in self._name_sets() if n != names)][:_MAX_NAME_SETS]
                index = {"format": FORMAT, "identity": self.identity, "names": sets}
                if self._write(self.index, index):
                    self._write(anywhere if upward is not None else here, data)
        return code

    def _write(self, file: str, data: "dict[str, Any]") -> bool:
        if len(data.get("witnesses", ())) > _MAX_WITNESSES:
            return False
        blob = marshal.dumps(data)
        if len(blob) > _MAX_BYTES:
            return False
        if not self._trusted(create=True):
            return False
        try:
            write_private(file, blob)
        except OSError:
            return False
        self._prune()
        return True

    def _prune(self) -> None:
        """Keep the newest answers; only our own regular files with our names are touched."""
        try:
            with os.scandir(self.directory) as entries:
                files = [
                    (info.st_mtime_ns, entry.path)
                    for entry in entries
                    if _is_answer_name(entry.name)
                    for info in [entry.stat(follow_symlinks=False)]
                    if is_own_file(info)
                ]
            for _, path in sorted(files)[: max(0, len(files) - _MAX_FILES)]:
                os.unlink(path)
        except OSError:
            pass
        sweep_temp(self.directory)


def _present(folder: str, lookups: "list[list[Any]]") -> "list[str]":
    """The names of ``lookups`` (``[name, follow]``) that exist in ``folder``, as
    :func:`signature` tells: one listing rules out those whose first part it lacks (compared
    case-folded, as a case-insensitive file system matches names), fewer calls than a stat
    of each; the others, and all when ``folder`` cannot be listed or holds more than
    :data:`_MAX_LISTED` entries, are looked up one by one."""
    listed = _listing(folder)
    return [
        name
        for name, follow in lookups
        if (listed is None or name.partition(os.sep)[0].casefold() in listed)
        and signature(os.path.join(folder, name), follow) is not None
    ]


def _listing(folder: str) -> "set[str] | None":
    """The case-folded names in ``folder``; None when it cannot be listed or is large."""
    names = set()
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                names.add(entry.name.casefold())
                if len(names) > _MAX_LISTED:
                    return None
    except OSError:
        return None
    return names


def _is_answer_name(name: str) -> bool:
    stem, _, suffix = name.partition(".")
    return suffix == "marshal" and len(stem) >= 16 and not stem.strip("0123456789abcdef")


class _Tee:
    """A text stream that writes through and keeps a copy."""

    def __init__(self, stream: "TextIO") -> None:
        self.stream = stream
        self.parts: list[str] = []
        self.failed = False

    def write(self, text: str) -> int:
        self.parts.append(text)
        try:
            return self.stream.write(text)
        except BaseException:
            self.failed = True
            raise

    def __getattr__(self, name: str) -> "Any":
        return getattr(self.stream, name)
