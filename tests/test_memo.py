"""Facts remembered for one search: the same answers as the stdlib, forgotten afterwards."""

import os
import threading
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from whichpython import memo

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


def test_searches_in_threads_keep_facts_until_the_last_ends(tmp_path: Path) -> None:
    started, finish = threading.Event(), threading.Event()

    def other_search() -> None:
        with memo.OneSearch():
            started.set()
            finish.wait(10)

    thread = threading.Thread(target=other_search)
    thread.start()
    started.wait(10)
    with memo.OneSearch():
        memo.remember("kind", "key", lambda key: 1)
    assert memo.remember("kind", "key", lambda key: 2) == 1  # the other search still runs
    finish.set()
    thread.join()
    assert memo.remember("kind", "key", lambda key: 3) == 3  # outside any search


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
