"""The library's polish: version, help, repr, hashing, comparisons, paths, clear TypeErrors."""

import json
import subprocess
import sys
from pathlib import Path

import attrs
import pytest

import whichpython
from conftest import isolate_machine, machine_environ, pyenv_python
from whichpython import Discovery, VersionInfo, find_interpreter, inspect_interpreter


@pytest.fixture
def python312() -> Path:
    python = pyenv_python("3.12.1")
    if not python.exists():
        pytest.skip("pyenv 3.12.1 is not installed")
    return python


def test_version_is_the_installed_distributions() -> None:
    from importlib import metadata

    assert whichpython.__version__ == metadata.version("whichpython")
    done = subprocess.run(
        [sys.executable, "-m", "whichpython", "--version"], capture_output=True, text=True
    )
    assert done.returncode == 0
    assert done.stdout.startswith(f"whichpython {whichpython.__version__} (Python ")


def test_help_and_dir_show_the_public_api_before_it_is_imported() -> None:
    code = (
        "import sys, pydoc, whichpython\n"
        "names = dir(whichpython)\n"
        "print(all(n in names for n in whichpython.__all__),"
        " 'whichpython.model.models' in sys.modules)\n"
        "text = pydoc.render_doc(whichpython, renderer=pydoc.plaintext)\n"
        "print('find_interpreter(' in text, 'class Interpreter' in text)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.split() == ["True", "False", "True", "True"], done.stderr


def test_repr_hash_and_json(python312: Path, tmp_path: Path) -> None:
    found = inspect_interpreter(python312)
    assert repr(found) == f"<Interpreter cpython 3.12.1 managed/pyenv {python312}>"
    link = tmp_path / "python3"
    link.symlink_to(python312)
    again = inspect_interpreter(link)
    assert again != found and hash(again) == hash(found)  # one interpreter, two paths
    assert len({found, inspect_interpreter(python312), again}) == 2  # equal: all fields equal
    venv_like = attrs.evolve(found, prefixes=attrs.evolve(found.prefixes, prefix="/elsewhere"))
    assert hash(venv_like) != hash(found)
    data = found.to_dict()
    assert next(iter(data)) == "schema_version" and data["path"] == str(python312)
    assert json.loads(found.to_json(indent=2)) == data


def test_version_info_compares_like_sys_version_info(python312: Path) -> None:
    info = inspect_interpreter(python312).version_info
    assert info == (3, 12, 1, "final", 0) and info == VersionInfo(3, 12, 1, "final", 0)
    assert info >= (3, 10) and info < (3, 13) and info > (3, 12, 0) and not info < (3, 12)
    assert info[:2] == (3, 12) and tuple(info) == (3, 12, 1, "final", 0) and len(info) == 5
    major, minor, *_ = info
    assert (major, minor) == (3, 12)
    assert hash(info) == hash((3, 12, 1, "final", 0))
    assert sorted([info, VersionInfo(3, 9, 0, "final", 0)])[0].minor == 9
    with pytest.raises(TypeError):
        _ = info < "3.13"


def test_requests_may_be_paths_but_not_numbers(
    python312: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate_machine(monkeypatch, tmp_path)
    link = tmp_path / "python3"  # a bare name as a str would be looked up on PATH
    link.symlink_to(python312)
    monkeypatch.chdir(tmp_path)
    search = Discovery(environ=machine_environ(tmp_path), cwd=str(tmp_path), root=str(tmp_path))
    assert search.find(Path("python3")).interpreters[0].path == str(link)
    for bad in (3.12, 312, ["3.12"], b"3.12"):
        with pytest.raises(TypeError, match=r"a request is a string or a path, not \w+ "):
            find_interpreter(bad)  # type: ignore[arg-type]


def test_considered_carries_the_version_its_layout_gives(
    python312: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate_machine(monkeypatch, tmp_path)
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "python3.11").symlink_to(pyenv_python("3.11.7"))
    (tmp_path / "bin" / "python3.12").symlink_to(python312)
    env = dict(machine_environ(tmp_path), PATH=str(tmp_path / "bin"))
    search = Discovery(environ=env, cwd=str(tmp_path), root=str(tmp_path))
    result = search.find("3.12", explain=True)
    versions = {Path(c.path).name: (c.verdict, c.version) for c in result.candidates}
    assert versions["python3.11"] == ("wrong-version", "3.11")  # not probed: from its name
    assert versions["python3.12"] == ("chosen", "3.12.1")


def test_a_later_call_sees_a_change_to_what_its_answer_is_built_from(
    python312: Path, tmp_path: Path, cache_dir: Path
) -> None:
    """A long-lived process builds an answer once while its cache entry holds, and again when
    a file the build read changes (a landmark on the link's side: the home moves there) or a
    variable it read does (the manager), though the cache entry still holds."""
    import os

    link = tmp_path / "bin" / "python3.12"
    link.parent.mkdir()
    link.symlink_to(python312)
    inspect_interpreter(link)  # probed and stored
    first = inspect_interpreter(link)  # from the cache entry
    assert (first.venv_home, first.manager) == (str(python312.parent), "pyenv")
    assert inspect_interpreter(link) is first  # built once while all of it holds
    (tmp_path / "lib" / "python3.12").mkdir(parents=True)
    (tmp_path / "lib" / "python3.12" / "os.py").write_text("")  # getpath's landmark
    moved = inspect_interpreter(link)
    assert (moved.venv_home, moved.base_executable) == (str(link.parent), str(link))
    uv = dict(os.environ, UV_PYTHON_INSTALL_DIR=str(python312.parent.parent.parent))
    assert inspect_interpreter(link, environ=uv).manager == "uv"
    assert inspect_interpreter(link).manager == "pyenv"
