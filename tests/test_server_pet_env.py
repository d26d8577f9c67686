"""Each layout of issue 23 item 2 through a real `whichpython serve` (tests/jsonrpc_client.py),
its environments compared with what PET reports for it, as read from PET's locators and
tests (fixtures/pet/<layout>.json, each with its source). Real interpreters: pyenv's
builds, relocated copies of them where a tool keeps its Pythons, venvs made by them."""

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import (
    FIXTURES,
    PYENV_ROOT,
    fake_interpreter,
    machine_cli_env,
    machine_environ,
    make_venv,
    pyenv_python,
    relocated_copy,
    require,
    self_report,
    write_script,
)
from test_server import request, serve


def pet_expected(layout: str, **places: str) -> list[dict[str, Any]]:
    """The environments of ``fixtures/pet/<layout>.json``, ``{root}`` and the other
    placeholders replaced."""

    def fill(value: Any) -> Any:
        if isinstance(value, str):
            for key, text in places.items():
                value = value.replace("{" + key + "}", text)
            return value
        if isinstance(value, list):
            return [fill(v) for v in value]
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return value

    data = json.loads((FIXTURES / "pet" / f"{layout}.json").read_text())
    assert data["source"], layout
    return list(fill(data["environments"]))


def differences(found: dict[str, Any], pet: dict[str, Any]) -> list[str]:
    """Each field the fixture gives that whichpython does not give as PET does: ``symlinks``
    PET's list first (whichpython may add other paths after it), ``error`` set or not (the
    text is whichpython's); ``_``-keys are notes."""
    wrong = []
    for key, value in pet.items():
        if key.startswith("_"):
            continue
        if key == "symlinks":
            same = found[key][: len(value)] == value
        elif key == "error":
            same = (found[key] is None) == (value is None)
        else:
            same = found[key] == value
        if not same:
            wrong.append(f"{found.get('prefix')}: {key} is {found[key]!r}, expected {value!r}")
    return wrong


def compare(found: dict[str, dict[str, Any]], pets: list[dict[str, Any]]) -> None:
    """Each fixture environment reported (by prefix) and as PET reports it."""
    wrong = []
    for pet in pets:
        if pet["prefix"] not in found:
            wrong.append(f"{pet['prefix']}: not reported ({sorted(found)})")
        else:
            wrong += differences(found[pet["prefix"]], pet)
    assert not wrong, "\n".join(wrong)


def refreshed(session: Any, refresh_id: int) -> dict[str, dict[str, Any]]:
    """The environments a refresh reported, by prefix (each once)."""
    assert session.client_rc == 0 and session.rc == 0, session.stderr
    session.result(refresh_id)
    envs = session.notifications("environment")
    by_prefix = {env["prefix"]: env for env in envs}
    assert len(by_prefix) == len(envs), "an environment reported twice"
    return by_prefix


def conda_env(prefix: Path, cmd: str) -> Path:
    """A real CPython 3.12.1 as a conda prefix: conda-meta with the history conda writes
    (its creation line, the python package) and python's record."""
    relocated_copy("3.12.1", prefix)
    meta = prefix / "conda-meta"
    meta.mkdir()
    (meta / "history").write_text(
        f"==> 2026-12-02 09:00:00 <==\n# cmd: {cmd}\n# conda version: 24.11.0\n"
        "+defaults/linux-64::python-3.12.1-h996f2a0_0\n# update specs: ['python=3.12']\n"
    )
    (meta / "python-3.12.1-h996f2a0_0.json").write_text(
        '{"name": "python", "version": "3.12.1", "build": "h996f2a0_0"}'
    )
    return prefix


def test_conda_envs_are_named_as_pet_names_them(tmp_path: Path) -> None:
    """Only the install is ``base``; an env in its ``envs`` has its folder's name; a
    workspace ``.conda`` made with ``--prefix`` has none (the environments extension then
    activates it by path, not base); one made elsewhere with ``-n`` keeps its name."""
    root, home = tmp_path, tmp_path / "home"
    conda = home / "miniconda3"
    conda_env(conda, "constructor --installer miniconda3")
    (conda / "condabin").mkdir()
    write_script(conda / "bin" / "conda", "#!/bin/sh\nexit 0\n")
    exe = conda / "bin" / "conda"
    envs = [
        conda_env(conda / "envs" / "myenv", f"{exe} create -n myenv python=3.12"),
        conda_env(
            root / "ws" / ".conda", f"{exe} create --yes --prefix {root}/ws/.conda python=3.12"
        ),
        conda_env(home / "conda-envs" / "analysis", f"{exe} create -n analysis python=3.12"),
    ]
    (home / ".conda").mkdir()
    (home / ".conda" / "environments.txt").write_text("".join(f"{p}\n" for p in [conda, *envs]))
    env = machine_cli_env(root, machine_environ(root))
    plan = [
        request(1, "configure", {"workspaceDirectories": [str(root / "ws")]}),
        request(2, "refresh"),
        {"expect": 2},
    ]
    found = refreshed(serve(plan, tmp_path, env), 2)
    compare(found, pet_expected("conda-workspace", root=str(root)))


#: Where each tool keeps the Pythons it installs, under HOME (docs/classification.md).
_INSTALLS = {
    "uv": ".local/share/uv/python/cpython-3.12.1-linux-x86_64-gnu",
    "asdf": ".asdf/installs/python/3.12.1",
    "mise": ".local/share/mise/installs/python/3.12.1",
    "rye": ".rye/py/cpython@3.12.1",
    "hatch": ".local/share/hatch/pythons/3.12/python",
    "pdm": ".local/share/pdm/python/cpython@3.12.1",
}


def test_installs_of_uv_asdf_mise_rye_hatch_pdm_get_a_pet_kind(tmp_path: Path) -> None:
    """uv's installs are ``Uv`` (PET's uv locator); the others ``GlobalPaths``, as PET
    reports an install it finds only on PATH: never ``null``, which the environments
    extension drops."""
    root, home = tmp_path, tmp_path / "home"
    bins = [relocated_copy("3.12.1", home / place) / "bin" for place in _INSTALLS.values()]
    env = machine_cli_env(root, dict(machine_environ(root), PATH=":".join(map(str, bins))))
    plan = [
        request(n, "resolve", {"executable": str(b / "python3.12")}) for n, b in enumerate(bins)
    ]
    session = serve([*plan, *({"expect": n} for n in range(len(bins)))], tmp_path, env)
    assert session.client_rc == 0 and session.rc == 0, session.stderr
    pets = pet_expected("managed-installs", root=str(root))
    assert len(pets) == len(bins)
    found = [session.result(n) for n in range(len(bins))]
    assert [e["whichpython"]["manager"] for e in found] == list(_INSTALLS)
    compare({e["prefix"]: e for e in found}, pets)


def _broken_venv(root: Path, dest: Path, prompt: str) -> None:
    """A venv of a CPython 3.12.1 that was deleted since: its links dangle."""
    gone = relocated_copy("3.12.1", root / "was-here")
    make_venv(str(gone / "bin" / "python3.12"), dest, "--prompt", prompt)
    shutil.rmtree(gone)


def test_venvs_as_pet_reports_them(tmp_path: Path) -> None:
    """``bin/python`` as the executable, PET's symlinks, the ``prompt`` as the name, a broken
    venv with pyvenv.cfg's version (so that no client resolves it only to drop it), a uv
    project's env with the project's name as displayName."""
    root = tmp_path
    ws, uvproj = root / "ws", root / "uvproj"
    make_venv(str(pyenv_python("3.12.1")), ws / ".venv", "--prompt", "myproj")
    make_venv(str(pyenv_python("3.11.7")), ws / "plain")
    _broken_venv(root, ws / "broken", "old")
    make_venv(str(pyenv_python("3.12.1")), uvproj / ".venv")
    cfg = uvproj / ".venv" / "pyvenv.cfg"
    home = PYENV_ROOT / "versions" / "3.12.1" / "bin"
    cfg.write_text(
        f"home = {home}\nimplementation = CPython\nuv = 0.5.11\nversion_info = 3.12.1\n"
        "include-system-site-packages = false\nprompt = uvproj\n"
    )
    (uvproj / "pyproject.toml").write_text('[project]\nname = "demo-app"\nversion = "0.1.0"\n')
    env = machine_cli_env(root, machine_environ(root))
    plan = [
        request(1, "configure", {"workspaceDirectories": [str(ws), str(uvproj)]}),
        request(2, "refresh"),
        {"expect": 2},
    ]
    found = refreshed(serve(plan, tmp_path, env), 2)
    compare(found, pet_expected("venvs", root=str(root)))


def test_a_broken_venv_the_tools_keep_has_its_version(tmp_path: Path) -> None:
    """A broken venv reported from the environments the tools keep (here virtualenvwrapper's,
    not a configured directory) is the same broken ``Venv`` as PET's, version and name
    from its pyvenv.cfg."""
    root = tmp_path
    venv = root / "home" / ".virtualenvs" / "old"
    _broken_venv(root, venv, "legacy")
    for hook in ("postactivate", "predeactivate"):
        (venv / "bin" / hook).write_text("")
    env = machine_cli_env(root, machine_environ(root))
    found = refreshed(serve([request(1, "refresh"), {"expect": 1}], tmp_path, env), 1)
    pet = {"prefix": str(venv), "kind": "Venv", "name": "legacy", "version": "3.12.1",
           "error": "broken", "executable": str(venv / "bin" / "python")}  # fmt: skip
    compare(found, [pet])  # as venvs.json's broken one (pet-venv)


def test_pyenv_installs_report_bin_python_as_pet_does(tmp_path: Path) -> None:
    """PET's executable of a pyenv install is ``bin/python`` in a refresh and in a resolve
    of any of its names, so a stored selection matches and nothing is listed twice."""
    for version in ("3.12.1", "3.13.0", "2.7.18"):
        pyenv_python(version)
    root = tmp_path
    env = machine_cli_env(root, dict(machine_environ(root), PYENV_ROOT=str(PYENV_ROOT)))
    python312 = PYENV_ROOT / "versions" / "3.12.1" / "bin" / "python3.12"
    plan = [
        request(1, "refresh"),
        {"expect": 1},
        request(2, "resolve", {"executable": str(python312)}),
        {"expect": 2},
    ]
    session = serve(plan, tmp_path, env)
    found = refreshed(session, 1)
    pets = pet_expected("pyenv", pyenv=str(PYENV_ROOT))
    resolved = session.result(2)
    compare(found, pets)
    executables = [e["executable"] for e in found.values()]
    assert len(set(executables)) == len(executables)
    wrong = differences(resolved, pets[0])
    assert not wrong, "\n".join(wrong)


def test_a_debug_build_and_pypy_are_told_apart(tmp_path: Path) -> None:
    """PET lists neither ``python3.11d`` nor ``pypy3`` (its file-name rule) and resolves each
    as ``GlobalPaths``; whichpython reports them so, named so that neither shows as a second
    plain "Python 3.11.2" in either extension."""
    paths = [require(p) for p in ("/usr/bin/python3.11", "/usr/bin/python3.11d", "/usr/bin/pypy3")]
    root = tmp_path
    env = machine_cli_env(root, dict(machine_environ(root), PATH="/usr/bin"))
    plan = [request(n, "resolve", {"executable": p}) for n, p in enumerate(paths)]
    session = serve([*plan, *({"expect": n} for n in range(len(paths)))], tmp_path, env)
    assert session.client_rc == 0 and session.rc == 0, session.stderr
    code = "import sys; print('%d.%d.%d' % sys.version_info[:3])"
    shown = set()
    for n, (path, pet) in enumerate(zip(paths, pet_expected("debug-pypy"))):
        version = self_report(path, code).strip()
        pet = json.loads(json.dumps(pet).replace("{version}", version))
        assert pet["_resolve"] == path
        found = session.result(n)
        wrong = differences(found, dict(pet, **pet.get("_whichpython", {})))
        assert not wrong, "\n".join(wrong)
        # What each extension shows: environments' displayName ?? "Python <v>",
        # vscode-python's "Python <v> (<name>)" (docs/server.md, Environment).
        envs_ext = found["displayName"] or f"Python {version}"
        python_ext = f"Python {version}" + (f" ({found['name']})" if found["name"] else "")
        shown.add((envs_ext, python_ext))
        if "pypy" in path:
            assert "PyPy" in envs_ext and "PyPy" in python_ext
    assert len(shown) == len(paths)


def test_pet_python_names_follow_pets_rule() -> None:
    """PET's name rule (python, python3, python3.12; not python3.11d, python3.13t, pypy3,
    python3.12-config), as is_python_executable_name's tests list them."""
    from whichpython.server.petfiles import python_name

    assert [python_name(n) for n in ("python", "python3", "python3.12", "python2.7")] == [True] * 4
    for name in ("python3.11d", "python3.13t", "pypy3", "python3.12-config", "python3.6m"):
        assert not python_name(name), name


def test_a_real_venv_without_uv_keys_is_venv_not_uv(tmp_path: Path) -> None:
    """The uv fixture's keys are what makes PET (and whichpython) call a venv ``Uv``: the
    same venv without them is a ``Venv`` and has no displayName."""
    venv = tmp_path / "p" / ".venv"
    make_venv(str(pyenv_python("3.12.1")), venv)
    (tmp_path / "p" / "pyproject.toml").write_text('[project]\nname = "demo-app"\n')
    from whichpython import inspect_interpreter
    from whichpython.server.environments import environment

    found = environment(inspect_interpreter(venv / "bin" / "python", cache=False), {})
    assert (found["kind"], found["displayName"]) == ("Venv", None)


@pytest.mark.parametrize(
    ("fixture", "kind", "name", "display"),
    [
        ("pypy-3.10-uv.json", "Uv", "PyPy", "PyPy 3.10.14"),
        ("uv-cpython-3.13t-linux.json", "Uv", "free-threaded", "Python 3.13.1 (free-threaded)"),
        ("uv-cpython-3.12-linux.json", "Uv", None, None),
        ("graalpy-24-linux.json", "Pyenv", "GraalPy", "GraalPy 3.11.7a0"),  # its alpha tag
    ],
)
def test_installs_shown_alike_get_a_telling_name(
    fixture: str, kind: str, name: Any, display: Any, tmp_path: Path
) -> None:
    """Recorded interpreters (fixtures/probes): PyPy, a free-threaded build, GraalPy each get
    a name and displayName that the clients show; a plain CPython none (as PET)."""
    from whichpython import inspect_interpreter
    from whichpython.server.environments import environment

    script, data = fake_interpreter(tmp_path, fixture)
    environ = data.get("environ", {})
    found = environment(inspect_interpreter(script, cache=False, environ=environ), environ)
    assert (found["kind"], found["name"], found["displayName"]) == (kind, name, display)


def test_pyvenv_cfg_and_conda_history_read_as_pet_reads_them(tmp_path: Path) -> None:
    """The cases of PET's own tests (pet-core pyvenv_cfg.rs; pet-conda environments.rs
    parse_cmd_line, verify_conda_env_name): the first version line, ``version_info`` kept
    whole, a prompt's quotes trimmed, an empty prompt skipped; the install a
    ``site-packages/conda/__main__.py`` creation line ran from."""
    from whichpython.server.petfiles import _conda_dir_from_cmd, conda_name, pyvenv_cfg

    cases = {
        "version = 3.11.4\nprompt = 'my-env'\n": ("3.11.4", "my-env"),
        'version_info = 3.12.0.final\nprompt = ""\nprompt   =   "my-venv"  \n': (
            "3.12.0.final",
            "my-venv",
        ),
        "home = /usr/bin\nversion = 3.11\n": (None, None),
    }
    for text, expected in cases.items():
        (tmp_path / "pyvenv.cfg").write_text(text)
        assert pyvenv_cfg(str(tmp_path)) == expected, text
    mamba = "/Users/me/.pyenv/versions/mambaforge-22.11.1-3"
    main = f"{mamba}/lib/python3.10/site-packages/conda/__main__.py"
    line = f"# cmd: {main} create --yes --prefix .conda"
    assert _conda_dir_from_cmd(line) == mamba
    # No install found for the env (mamba is not on this disk): PET would name both after
    # the folder; whichpython applies the creation-line rule (docs/server.md), so that a
    # --prefix env is activated by its path.
    for flag, name in (("--name .conda", ".conda"), ("-p .conda", None)):
        env = tmp_path / flag.split()[0] / ".conda"
        (env / "conda-meta").mkdir(parents=True)
        (env / "conda-meta" / "history").write_text(
            f"# cmd: {mamba}/bin/conda create --yes {flag}\n"
        )
        assert conda_name(str(env)) == name, flag
