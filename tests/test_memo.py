"""Facts remembered for one search: the same answers as the stdlib, forgotten afterwards."""

import os
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import pyenv_python
from whichpython import memo
from whichpython.engine.discovery import Discovery

NAMES = ["a", "b", "c", "python3", "bin"]
# Link targets: relative (with "." and ".."), absolute (filled in with the tree's root),
# dangling, and pointing at links (chains and loops).
TARGETS = st.sampled_from(
    ["a", "b/c", "../a", "../../b", "./c", "a/../b", "../a/python3", "missing", "..", "{root}/a",
     "{root}/b/../c", "bin/python3", "../bin", "c/c/c"]
)  # fmt: skip
ENTRY = st.tuples(
    st.lists(st.sampled_from(NAMES), min_size=1, max_size=3),
    st.sampled_from(["dir", "file", "link"]),
    TARGETS,
)
QUERY = st.lists(st.sampled_from([*NAMES, ".", "..", "missing"]), min_size=1, max_size=5)


def _build(root: Path, entries: list[tuple[list[str], str, str]]) -> None:
    for parts, kind, target in entries:
        path = root.joinpath(*parts)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if kind == "dir":
                path.mkdir()
            elif kind == "file":
                path.write_text("")
            else:
                path.symlink_to(target.replace("{root}", str(root)))
        except OSError:
            pass  # a name taken already, or a parent that is a file or a link: as on a machine


@settings(max_examples=300, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(entries=st.lists(ENTRY, max_size=12), queries=st.lists(QUERY, min_size=1, max_size=8))
def test_realpath_in_a_search_is_the_stdlibs(
    tmp_path_factory: object, entries: list[tuple[list[str], str, str]], queries: list[list[str]]
) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as temp:
        root = Path(os.path.realpath(temp)) / "tree"
        root.mkdir()
        _build(root, entries)
        paths = [os.path.join(str(root), *query) for query in queries]
        paths += [p + "/" for p in paths[:2]] + ["tree/a", str(root) + "//a/./b"]
        here = os.getcwd()
        os.chdir(temp)
        try:
            with memo.OneSearch():
                for path in paths + paths:  # the second round answers from what was remembered
                    assert memo.realpath(path) == os.path.realpath(path), path
        finally:
            os.chdir(here)


def test_forgotten_when_the_last_search_ends(tmp_path: Path) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    link = tmp_path / "current"
    link.symlink_to("one")
    inside = str(link / "python3")
    with memo.OneSearch():
        assert memo.realpath(inside) == str(tmp_path / "one" / "python3")
        with memo.OneSearch():  # a nested search shares the outer one's facts
            link.unlink()
            link.symlink_to("two")
            assert memo.realpath(inside) == str(tmp_path / "one" / "python3")
        assert memo.realpath(inside) == str(tmp_path / "one" / "python3")
    assert memo.realpath(inside) == str(tmp_path / "two" / "python3")
    with memo.OneSearch():
        assert memo.realpath(inside) == str(tmp_path / "two" / "python3")


def test_a_search_in_another_thread_keeps_its_own_facts(tmp_path: Path) -> None:
    """Two searches at once (a server's requests): a link retargeted between them is seen by
    the later one, whose answer is the new target's, real path and version alike."""
    old, new = pyenv_python("3.8.18"), pyenv_python("3.12.1")
    folder = tmp_path / "current"
    folder.symlink_to(old.parent)
    environ = {"PATH": str(folder), "HOME": str(tmp_path), "PYENV_ROOT": str(tmp_path / "none")}
    searching, retargeted = threading.Event(), threading.Event()
    first: list[Any] = []

    def found(interpreter: Any) -> None:
        first.append(interpreter)
        searching.set()
        retargeted.wait(30)  # this search goes on while the other one runs

    early = Discovery(environ=environ, cwd=str(tmp_path), root=str(tmp_path), cache=False,
                      found=found)  # fmt: skip
    thread = threading.Thread(target=early.find_all, args=("3",))
    thread.start()
    try:
        assert searching.wait(60)
        assert first[0].version == "3.8.18"
        folder.unlink()
        folder.symlink_to(new.parent)
        later = Discovery(environ=environ, cwd=str(tmp_path), root=str(tmp_path), cache=False)
        (interpreter, *_) = later.find_all("3").interpreters
    finally:
        retargeted.set()
        thread.join(60)
    assert interpreter.version == "3.12.1"
    assert interpreter.real_path == os.path.realpath(new)


def test_each_thread_has_its_own_facts() -> None:
    seen: list[object] = []

    def search() -> None:
        with memo.OneSearch():
            memo.remember("kind", "key", lambda key: threading.get_ident())
            seen.append(memo.remember("kind", "key", lambda key: None))

    with memo.OneSearch():
        memo.remember("kind", "key", lambda key: "main")
        thread = threading.Thread(target=search)
        thread.start()
        thread.join()
        assert memo.remember("kind", "key", lambda key: None) == "main"
    assert seen == [thread.ident]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
# The fork is the point: Python 3.12+ warns when pytest's own threads are running.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_child_forked_during_a_search_remembers_nothing(tmp_path: Path) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    link = tmp_path / "current"
    link.symlink_to("one")
    inside = str(link / "python3")
    read, write = os.pipe()
    with memo.OneSearch():
        assert memo.realpath(inside) == str(tmp_path / "one" / "python3")
        link.unlink()
        link.symlink_to("two")
        pid = os.fork()
        if pid == 0:  # the child: its own searches, inside this one or not, start afresh
            try:
                with memo.OneSearch():
                    answer = memo.realpath(inside)
                os.write(write, (answer + "\n" + memo.realpath(inside)).encode())
            finally:
                os._exit(0)
        os.close(write)
        with os.fdopen(read) as pipe:
            answers = pipe.read().split("\n")
        os.waitpid(pid, 0)
        assert memo.realpath(inside) == str(tmp_path / "one" / "python3")  # the parent's search
    assert answers == [str(tmp_path / "two" / "python3")] * 2


def test_dot_dot_after_a_link_is_not_lexical(tmp_path: Path) -> None:
    (tmp_path / "deep" / "er").mkdir(parents=True)
    (tmp_path / "deep" / "python3").write_text("")
    (tmp_path / "linked").symlink_to("deep/er")
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "python3").symlink_to("../linked/../python3")  # deep/python3, not ./
    (tmp_path / "bin" / "up").symlink_to("../../" + tmp_path.name + "/linked/..")
    with memo.OneSearch():
        for path in (tmp_path / "bin" / "python3", tmp_path / "bin" / "up" / "python3",
                     tmp_path / "linked" / ".." / "python3"):  # fmt: skip
            assert memo.realpath(str(path)) == os.path.realpath(path)
    assert os.path.realpath(tmp_path / "bin" / "python3") == str(tmp_path / "deep" / "python3")


def test_a_watched_realpath_notes_each_link_on_the_way(tmp_path: Path) -> None:
    """What a watched ``resolved`` noted changes when any link it went through is retargeted,
    one inside another link's target included (neither the path's parts nor the answer's)."""
    from whichpython.signatures import signature

    for name in ("b", "c", "d"):
        (tmp_path / name).mkdir()
    (tmp_path / "c" / "python3").write_text("")
    (tmp_path / "d" / "python3").write_text("")
    (tmp_path / "b" / "current").symlink_to("../c/python3")
    (tmp_path / "a").symlink_to("b/current")
    found, files = memo.watch_reads(lambda: memo.resolved(str(tmp_path / "a")))
    assert found == str(tmp_path / "c" / "python3") and files is not None
    assert all(signature(path, follow) == signed for path, follow, signed in files)
    (tmp_path / "b" / "current").unlink()
    (tmp_path / "b" / "current").symlink_to("../d/python3")
    assert any(signature(path, follow) != signed for path, follow, signed in files)
