"""Hostile input and races as a whole (issue 10): fuzzed requests, version files, pyvenv.cfg
files, recorded answers and cache entries; sixteen cold runs sharing one cache; writers killed
with SIGKILL; a machine that changes while an answer is recorded or a probe runs.

The fuzz tests have a fixed, derandomized budget (the same examples on every run)."""

import contextlib
import io
import json
import marshal
import os
import queue
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple, Optional

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import (
    CLI,
    ROOT_SYSTEM,
    fake_python,
    isolate_machine,
    machine_cli_env,
    machine_environ,
    pyenv_python,
    recorded_answers,
)
from whichpython import inspect_interpreter
from whichpython.cache.probes import Cache
from whichpython.cli import _run, main
from whichpython.cli import answers as answers_module
from whichpython.cli.answers import Answers
from whichpython.engine.inspection import build_interpreter
from whichpython.model.errors import InterpreterError
from whichpython.probe.result import ProbeResult
from whichpython.request.grammar import RequestError, parse_request
from whichpython.request.versionfile import NAMES, find_version_file
from whichpython.sources.pyvenv import read_pyvenv_cfg

SMALL = 64 * 1024  # the cap on version files and pyvenv.cfg (files.SMALL)
FUZZ = settings(
    max_examples=250,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# -- requests -------------------------------------------------------------------------------

_PIECES = st.sampled_from(
    ["3", "2", "12", "0", ".", ".*", "*", "==", "===", ">=", "<=", "<", ">", "!=", "~=", "~",
     "@", "/", "./", "~/", "..", ",", " ", "\t", "\n", "\r", "\x00", "\x1b", "\x7f", "\x85",
     "\u2028", "a", "b", "rc", "dev", "post", "+", "-", "_", "!", "1!", "t", "d",
     "+freethreaded", "+debug", "cpython", "cp", "pypy", "pp", "graalpy", "gp", "python",
     "linux", "x86_64", "gnu", "any", "default", "é", "Ⅻ", "٣"]
)  # fmt: skip
_DIGITS = st.integers(1, 6000).map(lambda n: "9" * n)  # int() converts at most 4300 digits
REQUESTS = st.one_of(
    st.text(max_size=40),
    st.lists(st.one_of(_PIECES, _PIECES, _DIGITS, st.text(max_size=3)), max_size=10).map("".join),
)
VERSIONS = ["3.12.1", "2.7.18", "3.13.0rc1", "3.14.0a1", "1!3.12", "3.12.1+local", "3.6.0.post1"]


def check_request(text: str) -> None:
    """Parsed, or a one-line RequestError; a parsed request never fails when used."""
    try:
        request = parse_request(text)
    except RequestError as error:
        assert len(str(error).splitlines()) == 1, str(error)
        return
    assert isinstance(request.allows_prereleases, bool)
    for version in VERSIONS:
        assert isinstance(request.version_matches(version), bool)
    assert isinstance(str(request), str)


@FUZZ
@example("3" * 4301)
@example("cpython@" + "1" * 100_000)
@example(">=3." + "9" * 5000)
@example("===foo")
@example("3.12\x00")
@example("~=3.11")
@given(REQUESTS)
def test_fuzzed_requests_parse_or_fail_with_one_line(text: str) -> None:
    check_request(text)


# -- version files --------------------------------------------------------------------------

_LINES = st.lists(
    st.one_of(REQUESTS, REQUESTS.map(lambda r: "python " + r), st.just("# a comment"), st.just("")),
    max_size=5,
)
_SEPARATORS = st.sampled_from(["\n", "\r\n", "\r", "\x0b", "\x85"])
FILE_BYTES = st.one_of(
    st.binary(max_size=200),
    st.tuples(_LINES, _SEPARATORS).map(lambda ls: ls[1].join(ls[0]).encode("utf-8")),
)


@FUZZ
@example({".python-version": (0, b"3" * 4301)})
@example({".python-version": (1, b"3.12\n" + b"#" * SMALL)})  # over the cap: not read
@example({".tool-versions": (0, b"nodejs 20\npython 3.12\x00 3.11\n")})
@given(st.dictionaries(st.sampled_from(NAMES), st.tuples(st.sampled_from([0, 1]), FILE_BYTES)))
def test_fuzzed_version_files(files: dict[str, tuple[int, bytes]]) -> None:
    with tempfile.TemporaryDirectory() as root:
        cwd = os.path.join(root, "parent", "project")
        os.makedirs(cwd)
        for name, (level, data) in files.items():
            folder = cwd if level == 0 else os.path.dirname(cwd)
            with open(os.path.join(folder, name), "wb") as handle:
                handle.write(data)
        found = find_version_file(cwd)
        if found is None or not found.path.startswith(root + os.sep):
            return  # none here (one above the temp dir belongs to the machine)
        assert os.path.getsize(found.path) <= SMALL  # nothing over the cap is read
        assert found.requests
        for line in found.requests:
            assert line == line.strip() and line and "#" not in line
            assert len(line.splitlines()) == 1
            check_request(line)


# -- pyvenv.cfg -----------------------------------------------------------------------------

_CFG_LINES = st.lists(
    st.tuples(
        st.text(max_size=12), st.sampled_from(["=", " = ", "==", ""]), st.text(max_size=12)
    ).map("".join),
    max_size=6,
)
CFG_BYTES = st.one_of(
    st.binary(max_size=300),
    st.tuples(_CFG_LINES, _SEPARATORS).map(lambda ls: ls[1].join(ls[0]).encode("utf-8")),
)


@FUZZ
@example(b"Home = /usr/bin\r\nInclude-System-Site-Packages = false\x00\xff\n=x\n")
@example(b"home = /usr/bin\n" + b" " * SMALL)  # over the cap: refused
@given(CFG_BYTES)
def test_fuzzed_pyvenv_cfg(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as root:
        path = os.path.join(root, "pyvenv.cfg")
        with open(path, "wb") as handle:
            handle.write(data)
        try:
            values = read_pyvenv_cfg(path)
        except OSError:
            assert len(data) > SMALL
            return
    assert len(data) <= SMALL
    assert isinstance(values, dict)
    for key, value in values.items():
        assert isinstance(key, str) and isinstance(value, str)
        assert key and key == key.strip() == key.lower()
        assert value == value.strip()
        assert "\n" not in key + value and "\r" not in key + value


# -- recorded answers -----------------------------------------------------------------------

_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**63, max_value=2**80),
    st.floats(),
    st.text(max_size=8),
    st.binary(max_size=8),
)
MARSHALABLE = st.recursive(
    _LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(st.one_of(st.text(max_size=8), st.integers()), inner, max_size=4),
        st.frozensets(st.one_of(st.integers(), st.text(max_size=4)), max_size=3),
    ),
    max_leaves=12,
)
_SIGNATURES = st.one_of(
    st.none(), st.lists(st.one_of(st.integers(), st.floats(), st.text(max_size=2)), max_size=7)
)
_WITNESSES = st.lists(
    st.one_of(
        st.tuples(
            st.sampled_from(["/", "/nonexistent", "", "\x00"]), st.booleans(), _SIGNATURES
        ).map(list),
        st.tuples(st.integers(-5, 2**70), st.booleans(), st.none()).map(list),
        st.lists(MARSHALABLE, max_size=4),
    ),
    max_size=3,
)


def a_good_answer() -> dict[str, Any]:
    root = answers_module.signature("/", True)
    selects = Answers(tempfile.gettempdir(), ["find", "3.12"])._selects([])
    return {"format": answers_module.FORMAT, "code": 0, "stdout": "/opt/python3.12\n",
            "stderr": "", "expires": None, "witnesses": [["/", True, root]], "environ": {},
            "cwd": None, "upward": [], "selects": selects}  # fmt: skip


def a_good_index() -> dict[str, Any]:
    identity = Answers(tempfile.gettempdir(), ["find", "3.12"]).identity
    return {"format": answers_module.FORMAT, "identity": identity, "names": [[]]}


@st.composite
def answer_files(draw: st.DrawFn, good: Any = a_good_answer) -> Any:
    """Anything at all, or a good answer (or index) with some fields replaced or removed."""
    if draw(st.booleans()):
        return draw(MARSHALABLE)
    data = good()
    for key in draw(st.lists(st.sampled_from([*data, "extra"]), max_size=3, unique=True)):
        how = draw(st.sampled_from(["drop", "any", "witnesses"]))
        if how == "drop":
            data.pop(key, None)
        else:
            data[key] = draw(_WITNESSES if how == "witnesses" else MARSHALABLE)
    return data


@FUZZ
@example(dict(a_good_answer(), witnesses=[[2**70, True, None]]), a_good_index())
@example(dict(a_good_answer(), witnesses=[[3, True, None]]), a_good_index())  # a file descriptor
@example(dict(a_good_answer(), stdout=b"/etc/shadow\n"), a_good_index())
@example(dict(a_good_answer(), code=7), a_good_index())
@example(dict(a_good_answer(), expires="never"), a_good_index())
@example(dict(a_good_answer(), environ={"PATH": b"/bin"}), a_good_index())
@example(dict(a_good_answer(), upward=[["..", 1]]), a_good_index())
@given(answer_files(), st.one_of(st.just(a_good_index()), answer_files(a_good_index)))
def test_fuzzed_answers_files(data: Any, index: Any) -> None:
    words = ["find", "3.12"]
    with tempfile.TemporaryDirectory() as root:
        directory = os.path.join(root, "answers")
        os.mkdir(directory, 0o700)
        answers = Answers(directory, words)
        for file, content in ((answers.index, index),
                              *((f, data) for f in answers._files([]))):  # fmt: skip
            fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(marshal.dumps(content))
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = answers.replay()
    if code is None:
        assert out.getvalue() == ""
        return
    assert type(code) is int and code in (0, 1)
    assert isinstance(data, dict)
    assert out.getvalue() == data["stdout"] and err.getvalue() == data["stderr"]


# -- cache entries --------------------------------------------------------------------------


class RealEntry:
    """The cache entry of a real Python 3.12 reached through a link in a temp dir: its answer,
    or (``failed``) a remembered time-out."""

    def __init__(self, root: Path, *, failed: bool = False) -> None:
        self.path = str(root / "bin" / "python3.12")
        os.makedirs(os.path.dirname(self.path))
        os.symlink(pyenv_python("3.12.1"), self.path)
        self.cache = str(root / "cache")
        if failed:
            from whichpython.cache.probes import Watch
            from whichpython.model.errors import ProbeTimeout

            Cache(self.cache).remember(self.path, ProbeTimeout(self.path, 5.0), Watch(self.path))
        else:
            environ = dict(os.environ, WHICHPYTHON_CACHE_DIR=self.cache)
            inspect_interpreter(self.path, environ=environ)
        folder = os.path.join(self.cache, "interpreters")
        (name,) = [name for name in os.listdir(folder) if name.endswith(".json")]
        self.file = os.path.join(folder, name)
        with open(self.file, encoding="utf-8") as handle:
            self.text = handle.read()
        assert isinstance(self.load(), InterpreterError if failed else ProbeResult)

    def load(self) -> Any:
        return Cache(self.cache).load(self.path)

    def write(self, text: str) -> None:
        temp = self.file + ".new"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, self.file)


@pytest.fixture(scope="module", params=["answer", "failure"])
def real_entry(request: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealEntry]:
    failed = request.param == "failure"
    entry = RealEntry(tmp_path_factory.mktemp("real-entry"), failed=failed)
    yield entry
    entry.write(entry.text)


@pytest.fixture(scope="module")
def answer_entry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealEntry]:
    entry = RealEntry(tmp_path_factory.mktemp("answer-entry"))
    yield entry
    entry.write(entry.text)


JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8)),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)


def _places(value: Any, where: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path (keys and indexes) of ``value`` and of everything in it."""
    yield where
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _places(inner, (*where, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _places(inner, (*where, index))


@st.composite
def edits(draw: st.DrawFn, good: dict[str, Any]) -> Any:
    """The good entry with a few of its values (anywhere in it) replaced or removed."""
    entry = json.loads(json.dumps(good))
    answer = "result" if "result" in good else "failure"
    for _ in range(draw(st.integers(1, 3))):
        depth = draw(st.sampled_from([2, 3, 99]))  # mostly the answer's own fields
        anywhere = draw(st.booleans())
        places = [w for w in _places(entry) if 0 < len(w) <= depth]
        where = draw(st.sampled_from([w for w in places if anywhere or w[0] == answer] or places))
        *parents, last = where
        node = entry
        for key in parents:
            node = node[key]
        if isinstance(node, dict) and draw(st.booleans()):
            del node[last]
        else:
            node[last] = draw(st.one_of(JSON_VALUES, _alike(node[last])))
    return entry


def _alike(value: Any) -> Any:
    """Values of the same JSON type as ``value``: the ones a shape check lets through."""
    if isinstance(value, bool) or value is None:
        return st.sampled_from([True, False, None])
    if isinstance(value, (int, float)):
        return st.one_of(st.integers(), st.floats(), st.just(10**400))
    if isinstance(value, str):
        return st.one_of(st.text(max_size=8), st.sampled_from(["/", "", "\x00", "9" * 5000]))
    if isinstance(value, list):
        return st.lists(JSON_VALUES, max_size=6)
    return st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=4)


def check_entry(real_entry: RealEntry, text: str) -> None:
    real_entry.write(text)
    loaded = real_entry.load()
    if loaded is None:
        return
    if isinstance(loaded, InterpreterError):  # a remembered failure
        assert loaded.path == real_entry.path and len(str(loaded).splitlines()) == 1
        return
    assert isinstance(loaded, ProbeResult)
    assert loaded.executable_realpath == os.path.realpath(real_entry.path)  # its own answer
    build_interpreter(real_entry.path, loaded, os.environ)


@FUZZ
@given(st.data())
def test_fuzzed_cache_entries(real_entry: RealEntry, data: st.DataObject) -> None:
    good = json.loads(real_entry.text)
    how = data.draw(st.sampled_from(["edit", "edit", "any", "cut"]))
    if how == "edit":
        text = json.dumps(data.draw(edits(good)))
    elif how == "any":
        text = json.dumps(data.draw(JSON_VALUES))
    else:
        text = real_entry.text[: data.draw(st.integers(0, len(real_entry.text)))]
    check_entry(real_entry, text)


@pytest.mark.parametrize(
    ("where", "value"),
    [
        (("result", "executable_realpath"), "/opt/evil/bin/python3"),  # another one's answer
        (("result", "version_info"), []),
        (("result", "version_info"), [3, 12, None, "final", 0]),
        (("result", "version_info"), [-1, 12, 0, "final", 0]),
        (("result", "implementation", "version"), [3, 12, -136, "final", 0]),
    ],
)
def test_a_hand_edited_cache_entry(
    answer_entry: RealEntry, where: tuple[str, ...], value: Any
) -> None:
    entry = json.loads(answer_entry.text)
    node = entry
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    check_entry(answer_entry, json.dumps(entry))


# -- many CLI runs sharing one cache ----------------------------------------------------------

#: The real CLI in a process that says on stderr whether the engine ran (else: replayed), how
#: many processes it started, and when (time.monotonic) main() began and ended.
RUN = """
import sys, time
spawned = []
sys.addaudithook(lambda e, a: spawned.append(e) if e == "subprocess.Popen" else None)
sys.argv = ["whichpython", *sys.argv[1:]]
from whichpython.cli import main
began = time.monotonic()
code = main()
ended = time.monotonic()
engine = "whichpython.model.models" in sys.modules
sys.stderr.write("ENGINE=%s %d %r %r\\n" % (engine, len(spawned), began, ended))
raise SystemExit(code)
"""
#: Prepended to a run: SIGKILL itself just before its first rename of a finished temp file.
KILL_AT_RENAME = """
import os as _os, signal as _signal
_real_replace = _os.replace
def _replace(src, dst, *args, **kwargs):
    if str(src).endswith(".tmp"):
        _os.kill(_os.getpid(), _signal.SIGKILL)
    return _real_replace(src, dst, *args, **kwargs)
_os.replace = _replace
"""
PYENV = {"python3.8": "3.8.18", "python3.9": "3.9.18", "python3.10": "3.10.13",
         "python3.11": "3.11.7", "python3.12": "3.12.1", "python3.13": "3.13.0",
         "python2.7": "2.7.18"}  # fmt: skip


class Run(NamedTuple):
    out: str
    engine: bool  # False: the answer was replayed
    spawned: int  # processes the run started
    started: float  # time.monotonic() when the process was started,
    began: float  # when main() began in it,
    ended: float  # and when main() returned


class Box:
    """A fake machine under ``root``: PATH is ``bin1`` (empty) then ``bin2`` (links to real
    interpreters), a private cache; HOME, PYENV_ROOT, XDG_*, NIX_STORE_DIR, UV_PYTHON_INSTALL_DIR,
    CONDA_EXE and MAMBA_ROOT_PREFIX point into ``root``, and the system locations the sources
    know (/nix/store, /opt/conda, ...) map under it."""

    def __init__(self, root: Path, links: dict[str, str]) -> None:
        self.root = root
        self.first, self.second = root / "bin1", root / "bin2"
        self.project = root / "project"
        home = root / "home"
        for folder in (self.first, self.second, self.project, home):
            folder.mkdir()
        for name, target in links.items():
            (self.second / name).symlink_to(target)
        self.cache = root / "cache"
        empty = str(root / "nothing")
        self.env = dict(
            machine_environ(root),
            PATH=f"{self.first}{os.pathsep}{self.second}",
            PYENV_ROOT=empty, UV_PYTHON_INSTALL_DIR=empty, CONDA_EXE=empty + "/bin/conda",
            MAMBA_ROOT_PREFIX=empty, XDG_DATA_HOME=str(home / ".local" / "share"),
            XDG_CONFIG_HOME=str(home / ".config"), XDG_CACHE_HOME=str(home / ".cache"),
            XDG_STATE_HOME=str(home / ".local" / "state"),
            WHICHPYTHON_CACHE_DIR=str(self.cache),
        )  # fmt: skip
        for name in ("LANG", "LC_ALL"):
            if name in os.environ:
                self.env[name] = os.environ[name]

    def start(self, *args: str, prelude: str = "", code: str = CLI) -> "subprocess.Popen[str]":
        """The CLI in a subprocess on this machine (run from ``project``)."""
        return subprocess.Popen(
            [sys.executable, "-c", prelude + code, *args],
            env=machine_cli_env(self.root, self.env),
            cwd=self.project,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def run(self, *args: str, check: bool = True) -> Run:
        """``whichpython ARGS``; ``check``: it must succeed (else: find nothing, at worst)."""
        started = time.monotonic()
        process = self.start(*args, code=ROOT_SYSTEM + RUN)
        out, err = process.communicate(timeout=120)
        assert process.returncode in ((0,) if check else (0, 1)), err
        assert "Traceback" not in err, err
        engine, spawned, began, ended = err.rsplit("ENGINE=", 1)[1].split()
        return Run(out, engine == "True", int(spawned), started, float(began), float(ended))

    @contextlib.contextmanager
    def inside(self) -> Iterator[pytest.MonkeyPatch]:
        """This process on the machine, meanwhile: its environment, its system locations,
        its cwd."""
        with pytest.MonkeyPatch.context() as monkeypatch:
            isolate_machine(monkeypatch, self.root)
            for name in list(os.environ):
                monkeypatch.delenv(name)
            for name, value in self.env.items():
                monkeypatch.setenv(name, value)
            monkeypatch.chdir(self.project)
            yield monkeypatch

    def files(self, pattern: str) -> list[Path]:
        return sorted(self.cache.rglob(pattern)) if self.cache.exists() else []


def real_links(names: tuple[str, ...] = tuple(PYENV)) -> dict[str, str]:
    """PATH names linked to the real pyenv builds (and /usr/bin/python3.11 as ``python3``)."""
    links = {name: str(pyenv_python(PYENV[name]).with_name(name)) for name in names}
    if os.path.exists("/usr/bin/python3.11"):
        links["python3"] = "/usr/bin/python3.11"
    return links


_SPAWNS = ("subprocess.Popen", "os.posix_spawn", "os.fork", "os.exec", "os.system")
_AUDIT: dict[str, Any] = {"hooked": False, "on": False, "seen": []}


def _audit(event: str, args: Any) -> None:
    if _AUDIT["on"] and event in _SPAWNS:
        _AUDIT["seen"].append(event)


@contextlib.contextmanager
def spawn_audit() -> Iterator[list[str]]:
    """The processes this process starts meanwhile (an audit hook, added once)."""
    if not _AUDIT["hooked"]:
        sys.addaudithook(_audit)
        _AUDIT["hooked"] = True
    _AUDIT["seen"] = seen = []
    _AUDIT["on"] = True
    try:
        yield seen
    finally:
        _AUDIT["on"] = False


def check_sound(box: Box) -> None:
    """Every entry under its final name is whole and loads; every answer file is whole."""
    with box.inside():
        for entry in box.files("interpreters/*.json"):
            data = json.loads(entry.read_text())
            loaded = Cache(str(box.cache)).load(data["path"])
            assert isinstance(loaded, ProbeResult), entry
    for answer in box.files("answers/*.marshal"):
        data = marshal.loads(answer.read_bytes())
        assert isinstance(data, dict) and data["format"] == answers_module.FORMAT, answer
        if "names" in data:  # an index: the variable sets answers are keyed on
            assert all(n is None or isinstance(n, list) for n in data["names"]), answer
            continue
        assert isinstance(data["stdout"], str), answer
        assert data["code"] in (0, 1) and isinstance(data["witnesses"], list), answer


def test_sixteen_cold_lists_sharing_one_cache(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    box = Box(tmp_path, real_links())
    runs = [box.start("list", "--json") for _ in range(16)]
    done = [(run.communicate(timeout=180), run.returncode) for run in runs]
    for (_, err), code in done:
        assert code == 0 and "Traceback" not in err, err
    outputs = {out for (out, _), _ in done}
    assert len(outputs) == 1
    (output,) = outputs
    listed = [item["path"] for item in json.loads(output)["interpreters"]]
    assert len(listed) == len(real_links())
    assert box.files("*.tmp") == []
    check_sound(box)
    with box.inside():
        for path in listed:
            assert isinstance(Cache(str(box.cache)).load(path), ProbeResult), path
        capsys.readouterr()
        with spawn_audit() as spawned:
            code = main(["list", "--json"])  # the engine: no recorded answer
        assert (code, spawned) == (0, [])
    assert capsys.readouterr().out == output


def test_writers_killed_with_sigkill_leave_nothing_corrupt(tmp_path: Path) -> None:
    box = Box(tmp_path, real_links(("python3.11", "python3.12", "python3.13", "python2.7")))
    commands = [("list", "--json"), ("find", "3.12"), ("find", "3.11"), ("list",)]
    box.start("list", prelude=KILL_AT_RENAME).communicate(timeout=120)  # at its first entry
    begun = time.monotonic()
    box.start("list", "--json").communicate(timeout=120)
    cold = time.monotonic() - begun  # how long a cold run takes: kills land anywhere in it
    rng = random.Random(10)
    killed = 0
    for _ in range(20):
        if rng.random() < 0.5:  # the next runs are cold: they probe and write entries
            for entry in box.files("interpreters/*.json"):
                entry.unlink()
        if rng.random() < 0.5:  # the next warm runs record answers
            for answer in box.files("answers/*.marshal"):
                answer.unlink()
        runs = [(box.start(*words), rng.uniform(0.005, cold)) for words in commands]
        runs.append((box.start(*rng.choice(commands), prelude=KILL_AT_RENAME), 60.0))
        started = time.monotonic()
        for run, delay in sorted(runs, key=lambda pair: pair[1]):
            with contextlib.suppress(subprocess.TimeoutExpired):
                run.wait(timeout=max(0.0, started + delay - time.monotonic()))
            if run.poll() is None:
                run.kill()
                killed += 1
            run.communicate(timeout=60)
        check_sound(box)
    assert killed >= 20  # most runs were cut short
    box.run("list")  # every entry is there again, then a warm run dies recording its answer
    box.start("find", "3.13", prelude=KILL_AT_RENAME).communicate(timeout=120)
    litter = box.files("*.tmp")
    assert {temp.parent.name for temp in litter} == {"answers", "interpreters"}
    old = time.time() - 120  # older than the sweep's 60 s
    for temp in litter:
        os.utime(temp, (old, old))
    (box.second / "python3.10").symlink_to(pyenv_python("3.10.13"))  # a cold probe: an entry
    for _ in range(3):  # then one that spawns nothing records an answer
        final = box.run("list", "--json")
        if final.engine and not final.spawned:
            break
    assert box.files("*.tmp") == []
    check_sound(box)


# -- the machine changes while an answer is recorded or a probe runs --------------------------


@pytest.mark.parametrize("change", ["added", "removed"])
def test_a_change_during_a_recording_run_is_not_recorded(
    change: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real = str(pyenv_python("3.12.1"))
    box = Box(tmp_path, {"python3.12": real})
    words = ["find", "3.12"]
    folder = box.cache / "answers"
    early, found = box.first / "python3.12", box.second / "python3.12"

    def plain() -> int:
        return _run(words)

    def racing() -> int:
        code = _run(words)  # the engine has looked: now the machine changes
        if change == "added":
            early.symlink_to(real)
        else:
            found.unlink()
        return code

    with box.inside():
        assert _run(words) == 0  # the probe cache is warm: the next runs spawn nothing
        time.sleep(0.05)  # its writes are not within a timestamp tick of the next run
        with spawn_audit() as spawned:
            assert Answers(str(folder), words).record(plain) == 0
        assert spawned == []
        (control,) = recorded_answers(folder)  # such a run is recorded
        control.unlink()
        assert Answers(str(folder), words).record(racing) == 0
        assert recorded_answers(folder) == []  # this one is not
        capsys.readouterr()
        answers = Answers(str(folder), words)
        assert answers.replay() is None
        code = answers.record(plain)
    if change == "added":
        assert (code, capsys.readouterr().out) == (0, f"{early}\n")
    else:
        assert (code, capsys.readouterr().out) == (1, "")


class Toggler(threading.Thread):
    """Adds or removes a link at a random moment of some runs (see :meth:`run_starts`); keeps
    when each change began and ended."""

    def __init__(self, link: Path, target: str, seed: int) -> None:
        super().__init__(daemon=True)
        self.link, self.target = link, target
        self.rng = random.Random(seed)
        self.delays: queue.Queue[Optional[float]] = queue.Queue()
        self.changes: list[tuple[float, float, bool]] = []  # (began, ended, present after)

    def run_starts(self, span: tuple[float, float], chance: float) -> None:
        """A run starts: with this chance, the link changes at a random moment of ``span``
        (seconds from now)."""
        if self.rng.random() < chance:
            self.delays.put(self.rng.uniform(*span))

    def run(self) -> None:
        while (delay := self.delays.get()) is not None:
            time.sleep(delay)
            began = time.monotonic()
            if self.link.is_symlink():
                self.link.unlink()
            else:
                self.link.symlink_to(self.target)
            self.changes.append((began, time.monotonic(), self.link.is_symlink()))
            self.delays.task_done()

    def states(self, start: float, end: float) -> set[bool]:
        """Whether the link was there, at some moment between ``start`` and ``end``."""
        before = [present for _, ended, present in self.changes if ended <= start]
        during = {
            present for began, ended, present in self.changes if began <= end and ended >= start
        }
        return {before[-1] if before else False} | during


def test_no_stale_answer_is_replayed_while_the_machine_changes(tmp_path: Path) -> None:
    real = str(pyenv_python("3.12.1"))
    box = Box(tmp_path, {"python3.12": real})
    early, found = box.first / "python3.12", box.second / "python3.12"
    expected = {True: f"{early}\n", False: f"{found}\n"}
    box.run("find", "3.12")  # the probe cache knows the one in bin2 (and this is recorded)
    shutil.rmtree(box.cache / "answers")
    recording = box.run("find", "3.12")  # the engine, from files: this run is recorded
    assert recording.engine and not recording.spawned
    toggler = Toggler(early, real, seed=10)
    toggler.start()
    replays, stale, done, changed = 0, [], recording, False
    try:
        for _ in range(60):
            # The end of the engine's run: it has looked, and is about to record.
            began, ended = (t - recording.started for t in (recording.began, recording.ended))
            span = (began + 0.6 * (ended - began), ended + 0.005)
            # Never after a run that recorded its answer (it is to be replayed); mostly when
            # this run is likely to record: after a change or a probe.
            chance = (
                0.0 if done.engine and not done.spawned else 0.8 if changed or done.spawned else 0.4
            )
            toggler.run_starts(span, chance)
            count = len(toggler.changes)
            done = box.run("find", "3.12", check=False)  # a link may go mid-run
            toggler.delays.join()  # the change, if any, is over
            changed = len(toggler.changes) > count
            if done.engine and not done.spawned:
                recording = done
            elif not done.engine:  # replayed: the answer must hold at some moment of the run
                replays += 1
                states = toggler.states(done.started, time.monotonic())
                if done.out not in {expected[state] for state in states}:
                    stale.append(done.out)
    finally:
        toggler.delays.put(None)
        toggler.join()
    assert stale == []
    assert replays >= 5 and len(toggler.changes) >= 8  # it did replay, while things changed


def test_a_python_replaced_while_it_is_probed_is_probed_again(
    tmp_path: Path, cache_dir: Path, probes: list[str]
) -> None:
    path = tmp_path / "bin" / "python3.12"
    newer = fake_python(tmp_path / "next" / "python3.12", "3.12.5")
    shebang, _, body = fake_python(path, "3.12.4").read_text().partition("\n")
    replace = (
        f"import os\nif os.path.exists({str(newer)!r}):\n"
        f"    os.replace({str(newer)!r}, {str(path)!r})\n"
    )
    path.write_text(f"{shebang}\n{replace}{body}")  # a 3.12.4 that puts a 3.12.5 in its place
    before = len(probes)
    assert inspect_interpreter(path).version == "3.12.4"  # the facts of the file that ran
    assert not newer.exists()
    assert inspect_interpreter(path).version == "3.12.5"
    assert len(probes) - before == 2
    assert inspect_interpreter(path).version == "3.12.5"  # that one is cached
    assert len(probes) - before == 2


def test_a_python_answering_an_impossible_version_fails_alone(tmp_path: Path) -> None:
    """Well-formed JSON with facts that cannot be (a negative version): that interpreter
    fails with a one-line cause; the others are still listed; no traceback."""
    bin_dir = tmp_path / "bin"
    fake_python(bin_dir / "python3.12", "-1.12.0")
    good = fake_python(bin_dir / "python3.11", "3.11.9")
    environ = machine_environ(tmp_path)
    environ["PATH"] = str(bin_dir)
    for _ in range(2):  # fresh, then with whatever was cached
        done = subprocess.run(
            [sys.executable, "-c", CLI, "list", "--explain"],
            env=machine_cli_env(tmp_path, environ), capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
        assert str(good) in done.stdout
        assert "version_info is not (major, minor, micro, level, serial)" in done.stdout


# -- issue 21: no traceback, no orphan; small things ------------------------------------------


def fake_machine(tmp_path: Path, **extra: str) -> tuple[Path, dict[str, str]]:
    """A machine with one fake Python 3.12 on PATH: the python, and the CLI's environment."""
    python = fake_python(tmp_path / "bin" / "python3.12", "3.12.4")
    environ = dict(machine_environ(tmp_path), PATH=str(python.parent), **extra)
    return python, machine_cli_env(tmp_path, environ)


#: ``CLI`` that may only replay a recorded answer: the engine is gone.
REPLAY_ONLY = CLI.replace(
    "import runpy", "import whichpython.cli\nwhichpython.cli._run = None\nimport runpy"
)


def cli(
    env: dict[str, str], *args: str, script: str = CLI, **popen: Any
) -> "subprocess.CompletedProcess[Any]":
    """``python -m whichpython ARGS`` on a fake machine (``env`` from :func:`fake_machine`)."""
    popen.setdefault("capture_output", "stdout" not in popen)
    popen.setdefault("cwd", env["WHICHPYTHON_TEST_ROOT"])
    return subprocess.run([sys.executable, "-c", script, *args], env=env, timeout=60, **popen)


@pytest.mark.parametrize("value", ["inf", "1e309", "nan", "9" * 20])
def test_a_timeout_that_is_no_usable_number_is_named_in_one_line(
    value: str, tmp_path: Path
) -> None:
    """``inf``, ``1e309``, 20 digits overflowed the clocks (OverflowError); now each, from the
    option, the variable or the library, is refused naming where it came from."""
    python, env = fake_machine(tmp_path)
    rule = "is not a usable timeout: give a number of seconds above 0 and at most 86400"
    for args, extra, named in (
        (["list", "--timeout", value], {}, f"--timeout {value!r}"),
        (["find", "3.12"], {"WHICHPYTHON_TIMEOUT": value}, f"WHICHPYTHON_TIMEOUT={value!r}"),
    ):
        done = cli({**env, **extra}, *args, text=True)
        assert done.returncode == 2, done.stderr
        assert done.stderr.splitlines() == [f"whichpython: error: {named} {rule}"]
    with pytest.raises(ValueError) as caught:
        inspect_interpreter(python, timeout=float(value), cache=False)
    assert str(caught.value) == f"timeout={float(value)!r} {rule}"


def odd_machine(tmp_path: Path, **extra: str) -> tuple[list[Path], dict[str, str]]:
    """Pythons under a dir named ``é`` and one named by the undecodable byte ``\\xff``, and a
    virtualenvwrapper env named ``é``."""
    pythons = []
    for name in ("é", os.fsdecode(b"\xff")):
        pythons.append(fake_python(tmp_path / name / "bin" / "python3.12", "3.12.4"))
    venv = tmp_path / "home" / ".virtualenvs" / "é"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text(f"home = {pythons[0].parent}\n", encoding="utf-8")
    (venv / "bin" / "activate").write_text("")
    fake_python(venv / "bin" / "python", "3.12.4", prefix=str(venv),
                base_prefix=str(pythons[0].parent.parent))  # fmt: skip
    path = os.pathsep.join(str(python.parent) for python in pythons)
    return pythons, machine_cli_env(tmp_path, dict(machine_environ(tmp_path), PATH=path, **extra))


@pytest.mark.parametrize(
    "locale",
    [{"PYTHONIOENCODING": "ascii"}, {"PYTHONIOENCODING": "ascii:strict"}, {"LC_ALL": "C"}],
    ids=["ascii", "ascii-strict", "C"],
)
def test_a_path_the_output_encoding_cannot_show_is_escaped(
    locale: dict[str, str], tmp_path: Path
) -> None:
    """As ``ls`` does: a character the encoding lacks is a backslash escape (JSON: ``\\u``),
    an undecodable byte ``\\xff``; where Python writes bytes as they are (the C locale's UTF-8
    mode) the path is written exact. Never a UnicodeEncodeError."""
    (e_acute, undecodable), env = odd_machine(tmp_path, **locale)
    ascii_only = "PYTHONIOENCODING" in locale
    missing = str(e_acute.parent / "missing")
    for args, code in (
        (["list"], 0), (["find", "3.12"], 0), (["find", "--explain", "3.12"], 0),
        (["list", "--json"], 0), (["inspect", str(e_acute)], 0), (["envs"], 0),
        (["inspect", missing], 1), (["find", missing], 1),
    ):  # fmt: skip
        done = cli(env, *args)
        assert done.returncode == code and b"Traceback" not in done.stderr, (args, done.stderr)
        output = done.stdout + done.stderr
        if "--json" in args:  # JSON is ASCII, whatever the encoding
            assert b"/\\u00e9/" in output and b"/\\udcff/" in output, output
        elif ascii_only:
            output.decode("ascii")  # nothing but ASCII
            assert b"/\\xe9/" in output, (args, output)
            assert args != ["list"] or b"/\\xff/" in output
        else:
            assert "/é/".encode() in output, args  # the C locale: Python's UTF-8 mode
            assert args != ["list"] or os.fsencode(str(undecodable)) in output


@pytest.mark.parametrize("stdout", ["closed", "full"])
def test_a_closed_or_full_stdout_is_one_line_on_stderr(stdout: str, tmp_path: Path) -> None:
    """``>&-`` and ``>/dev/full``: one line on stderr and status 1, from the engine and from a
    replayed answer alike (a closed pipe, EPIPE, stays a quiet exit 0)."""
    python, env = fake_machine(tmp_path)
    cause = "it is closed" if stdout == "closed" else "No space left on device"
    for args in (["find", "3.12"], ["list"], ["inspect", str(python)], ["list", "--json"]):
        answers = tmp_path / "cache" / "answers"
        before = len(recorded_answers(answers))
        for _ in range(5):  # probe; record once nothing it read is too new to be trusted
            assert cli(env, *args, stdout=subprocess.DEVNULL).returncode == 0
            if len(recorded_answers(answers)) > before:
                break
        assert len(recorded_answers(answers)) > before, "nothing to replay"
        for words, script in ((args, REPLAY_ONLY), ([*args, "--no-cache"], CLI)):
            closing = (lambda: os.close(1)) if stdout == "closed" else None
            with open("/dev/full", "w") as full:
                done = cli(env, *words, script=script, text=True, stderr=subprocess.PIPE,
                           stdout=None if closing else full, preexec_fn=closing)  # fmt: skip
            assert done.returncode == 1, (words, done.stderr)
            assert done.stderr == f"whichpython: error: cannot write to stdout ({cause})\n"


def test_envs_names_a_folder_it_stopped_listing_at_the_cap(tmp_path: Path) -> None:
    _, env = fake_machine(tmp_path)
    home = tmp_path / "home" / ".virtualenvs"
    for number in range(1001):
        (home / f"env{number:04}").mkdir(parents=True)
    done = cli(env, "envs", text=True)
    assert done.returncode == 0, done.stderr
    warning = f"whichpython: warning: {home}: only its first 1000 entries were looked at"
    assert [line for line in done.stderr.splitlines() if str(home) in line] == [
        f"{warning} (it has more)"
    ]


def test_inspect_takes_a_bytes_path_and_names_what_is_no_path(tmp_path: Path) -> None:
    python = fake_python(tmp_path / "bin" / "python3.12", "3.12.4")
    found = inspect_interpreter(os.fsencode(python), cache=False)
    assert found.path == str(python) and found.version == "3.12.4"
    with pytest.raises(TypeError, match=r"^a path is a str, bytes or os.PathLike, not int$"):
        inspect_interpreter(3)  # type: ignore[arg-type]


NO_READING = ["--bounding-set=-dac_override,-dac_read_search", "--"]  # root reads no 000 dir


@pytest.mark.parametrize("how", ["removed", "unreadable"])
def test_a_cwd_that_cannot_be_read_is_named(how: str, tmp_path: Path) -> None:
    """``rmdir`` under the shell, or ``chmod 000 .``: find, list and envs say so in one line
    (its project files are not seen) and go on; no traceback, no misleading error."""
    python, env = fake_machine(tmp_path)
    here = tmp_path / "here"
    here.mkdir()
    prefix: list[str] = []
    if how == "removed":
        script = ROOT_SYSTEM + (
            "import os, runpy; os.rmdir(os.getcwd()); "
            "runpy.run_module('whichpython', run_name='__main__')"
        )
        named = "the current directory no longer exists"
    else:
        setpriv = shutil.which("setpriv")
        if os.geteuid() != 0 or setpriv is None:
            pytest.skip("needs root and setpriv (a root without CAP_DAC_OVERRIDE)")
        here.chmod(0)
        prefix, script = [setpriv, *NO_READING], CLI
        named = f"the current directory {here} cannot be read (permission denied)"
    try:
        for args in (["find", "3.12"], ["list"], ["envs"]):
            here.mkdir(exist_ok=True)
            done = subprocess.run([*prefix, sys.executable, "-c", script, *args], cwd=here,
                                  env=dict(env, PWD=str(here)), capture_output=True, text=True,
                                  timeout=60)  # fmt: skip
            assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
            assert f"whichpython: note: {named}: project files in it" in done.stderr
            assert len(done.stderr.splitlines()) == 1 + (args == ["envs"]), done.stderr
            if args != ["envs"]:
                assert str(python) in done.stdout
    finally:
        if here.exists():
            here.chmod(0o755)


def test_envs_of_a_project_that_does_not_exist_is_a_usage_error(tmp_path: Path) -> None:
    _, env = fake_machine(tmp_path)
    done = cli(env, "envs", "--project", str(tmp_path / "nonexistent"), text=True)
    assert done.returncode == 2
    assert (
        done.stderr
        == f"whichpython: error: --project {tmp_path / 'nonexistent'}: no such directory\n"
    )


# -- one deadline per search (issue 21) -------------------------------------------------------

HANGS = "#!/bin/sh\nexec /bin/sleep 100\n"


def test_a_version_file_of_hanging_paths_ends_at_the_deadline(tmp_path: Path) -> None:
    """Six hanging interpreters named in one .python-version cost one deadline, not six
    timeouts: the ones left are ``not probed`` (``--explain``, ``--json``, the library's
    ``InterpreterNotFound.candidates``) and stderr says so in one line (today's main: each
    one's whole timeout)."""
    from whichpython import Discovery, InterpreterNotFound

    project = tmp_path / "project"
    project.mkdir()
    hanging = [write_hanging(tmp_path / f"h{i}" / "python3") for i in range(6)]
    (project / ".python-version").write_text("".join(f"{path}\n" for path in hanging))
    env = machine_environ(tmp_path)
    env.update(WHICHPYTHON_TIMEOUT="1", WHICHPYTHON_DEADLINE="2")
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", CLI, "find", "--explain"], capture_output=True, text=True,
        env=machine_cli_env(tmp_path, env), cwd=project, timeout=60,
    )  # fmt: skip
    elapsed = time.monotonic() - start
    assert done.returncode == 1, done.stderr
    assert elapsed < 2 + 3, elapsed  # the deadline, start-up and killing the last probe
    lines = done.stderr.splitlines()
    assert "Traceback" not in done.stderr
    notes = [line for line in lines if line.startswith("whichpython: note: the search's deadline")]
    assert len(notes) == 1, done.stderr
    untried = [line for line in lines if "not probed: the search's deadline (2 s)" in line]
    assert len(untried) >= 3 and str(hanging[-1]) in untried[-1], done.stderr
    assert notes[0].split(": ")[3].startswith(f"{len(untried)} candidates were not probed")

    search = Discovery(cwd=str(project), environ=env, cache=False, timeout=1, deadline=1.5)
    start = time.monotonic()
    with pytest.raises(InterpreterNotFound) as missing:
        search.find()
    assert time.monotonic() - start < 1.5 + 2.5
    verdicts = [(c.path, c.verdict) for c in missing.value.candidates]
    assert verdicts[-1] == (str(hanging[-1]), "not-probed")
    assert [c.path for c in missing.value.candidates] == [str(path) for path in hanging]


def write_hanging(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HANGS)
    path.chmod(0o755)
    return path


def test_the_envs_of_a_hanging_python_cost_one_timeout(tmp_path: Path) -> None:
    """100 pipenv envs whose python is a link to the same hanging interpreter: once it has
    timed out, the others are ``not probed`` (they run the same binary), so ``envs`` takes
    about one timeout, well within a long deadline (today's main: 100 / 8 timeouts)."""
    from whichpython import find_environments

    base = write_hanging(tmp_path / "base" / "bin" / "python3.12")
    home = tmp_path / "home" / "venvs"
    for index in range(100):
        env_dir = home / f"proj{index}-abcdefgh"
        (env_dir / "bin").mkdir(parents=True)
        (env_dir / "pyvenv.cfg").write_text(f"home = {base.parent}\nversion = 3.12.1\n")
        (env_dir / "bin" / "python").symlink_to(base)
        (env_dir / ".project").write_text(str(tmp_path / f"proj{index}"))
    env = machine_environ(tmp_path)
    env.update(WORKON_HOME=str(home), WHICHPYTHON_TIMEOUT="1")
    start = time.monotonic()
    found = find_environments(tmp_path, environ=env, cwd=str(tmp_path), cache=False, deadline=60)
    elapsed = time.monotonic() - start
    assert len(found) == 100
    timed_out = [env for env in found if env.error and env.error.startswith("timed out")]
    skipped = [
        env for env in found if env.error and f"{base} timed out in this search" in env.error
    ]
    assert timed_out and len(timed_out) + len(skipped) == 100
    assert elapsed < 8, elapsed  # the first round of probes (8 at once), and their killing


def test_an_answer_the_deadline_cut_short_is_not_replayed(tmp_path: Path) -> None:
    """A ``list`` whose deadline left a candidate unprobed while spawning nothing (the others
    were cached) is not replayed later: what it printed depended on the clock."""
    import marshal

    first = fake_python(tmp_path / "a" / "python3.12", "3.12.4")
    env = machine_environ(tmp_path)
    env["PATH"] = str(first.parent)
    cli_env = machine_cli_env(tmp_path, env)
    run = [sys.executable, "-c", CLI, "list", "--deadline", "0.000001"]
    warm = subprocess.run(run[:4], capture_output=True, text=True, env=cli_env, timeout=60)
    assert warm.returncode == 0, warm.stderr  # the probe cache now holds the first
    recorded = set(recorded_answers(tmp_path / "cache" / "answers"))  # (that list's answer)
    second = fake_python(tmp_path / "b" / "python3.11", "3.11.9")
    cli_env["PATH"] = env["PATH"] = f"{first.parent}{os.pathsep}{second.parent}"
    cut = subprocess.run(run, capture_output=True, text=True, env=cli_env, timeout=60)
    assert cut.returncode == 0, cut.stderr
    assert str(first) in cut.stdout and str(second) not in cut.stdout
    assert "1 candidate was not probed" in cut.stderr
    for file in set(recorded_answers(tmp_path / "cache" / "answers")) - recorded:
        expires = marshal.loads(file.read_bytes())["expires"]
        assert expires is not None and expires <= time.time(), file


@pytest.mark.parametrize("value", ["soon", "inf", "1e309", "nan", "0", "-1"])
def test_a_deadline_that_is_no_number_of_seconds_is_a_usage_error(
    tmp_path: Path, value: str
) -> None:
    """``WHICHPYTHON_DEADLINE`` and ``--deadline`` take a number of seconds above 0 and at
    most a day, as timeouts do; anything else is one line naming it and status 2, and
    ``deadline=`` a ConfigError."""
    from whichpython import Discovery
    from whichpython.model.errors import ConfigError

    env = machine_environ(tmp_path)
    rule = "is not a usable deadline: give a number of seconds above 0 and at most 86400"
    for extra, variable in (([], {"WHICHPYTHON_DEADLINE": value}), (["--deadline", value], {})):
        done = subprocess.run(
            [sys.executable, "-c", CLI, "find", *extra], capture_output=True, text=True,
            env=machine_cli_env(tmp_path, {**env, **variable}), timeout=60,
        )  # fmt: skip
        name = f"WHICHPYTHON_DEADLINE={value!r}" if variable else f"--deadline {value!r}"
        why = "is not a number of seconds" if value == "soon" else rule
        assert (done.returncode, done.stderr) == (2, f"whichpython: error: {name} {why}\n")
    if value != "soon":
        with pytest.raises(ConfigError) as caught:
            Discovery(environ=env, cwd=str(tmp_path), deadline=float(value)).find_all()
        assert str(caught.value) == f"deadline={float(value)!r} {rule}"
