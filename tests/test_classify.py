"""Classification rules, one by one, on a real probe answer with the facts under test changed,
and on recorded/reconstructed answers of layouts this machine lacks (fixtures/probes)."""

import json
from pathlib import Path
from typing import Any

import attrs
import pytest

from conftest import FIXTURES, fake_interpreter, pyenv_python
from whichpython import Kind, inspect_interpreter
from whichpython.facts.classify import classify
from whichpython.probe.result import ProbePyvenvCfg, ProbeResult, probe_from_json
from whichpython.probe.runner import run_probe


@pytest.fixture(scope="module")
def answer() -> ProbeResult:
    return probe_from_json(run_probe(str(pyenv_python("3.12.1"))))


def moved(probe: ProbeResult, prefix: str, base: str = "", exe: str = "") -> ProbeResult:
    return attrs.evolve(
        probe,
        prefix=prefix,
        exec_prefix=prefix,
        base_prefix=base or prefix,
        base_exec_prefix=base or prefix,
        executable_realpath=exe or prefix + "/bin/python3.12",
    )


def verdict(probe: ProbeResult, **environ: str) -> tuple[str, Any]:
    result = classify(probe, environ)
    return result.kind.value, result.manager


def test_pyvenv_cfg_makes_a_venv_and_names_its_creator(answer: ProbeResult) -> None:
    cfg = ProbePyvenvCfg(path="/p/.venv/pyvenv.cfg", values={"home": "/usr/bin"})
    assert verdict(attrs.evolve(answer, pyvenv_cfg=cfg)) == ("venv", "venv")
    uv = ProbePyvenvCfg(path="/p/.venv/pyvenv.cfg", values={"home": "/x", "uv": "0.5.1"})
    assert verdict(attrs.evolve(answer, pyvenv_cfg=uv)) == ("venv", "uv")
    legacy = attrs.evolve(answer, real_prefix="/usr")
    assert verdict(legacy) == ("venv", "virtualenv")


def test_prefix_differing_from_base_without_pyvenv_cfg_is_not_a_venv(answer: ProbeResult) -> None:
    probe = moved(answer, "/opt/envs/tools", base="/opt/python3.12")
    assert verdict(probe) == ("nix-env", None)


def test_nix_store_base_and_env(answer: ProbeResult) -> None:
    store = "/nix/store/" + "a" * 32
    assert verdict(moved(answer, store + "-python3-3.12.8")) == ("system", "nix")
    # Newer nixpkgs: both prefixes are the env, reached through a `result` link.
    env = moved(answer, "/home/u/result", exe=store + "-python3-3.12.8-env/bin/python3.12")
    assert verdict(env) == ("nix-env", "nix")
    custom = moved(answer, "/data/store/" + "b" * 32 + "-python3-3.12.8")
    assert verdict(custom) == ("system", None)
    assert verdict(custom, NIX_STORE_DIR="/data/store") == ("system", "nix")


def test_conda_and_pixi(answer: ProbeResult) -> None:
    conda = attrs.evolve(moved(answer, "/home/u/miniforge3/envs/web"), conda_meta=True)
    assert verdict(conda) == ("managed", "conda")
    assert verdict(attrs.evolve(conda, pixi=True)) == ("managed", "pixi")


@pytest.mark.parametrize(
    ("prefix", "manager"),
    [
        ("/home/u/.local/share/uv/python/cpython-3.12.7-linux-x86_64-gnu", "uv"),
        ("/home/u/.pyenv/versions/3.12.1", "pyenv"),
        ("C:\\Users\\u\\.pyenv\\pyenv-win\\versions\\3.12.1", "pyenv"),
        ("/home/u/.asdf/installs/python/3.12.7", "asdf"),
        ("/home/u/.local/share/mise/installs/python/3.12.3", "mise"),
        ("/home/u/.rye/py/cpython@3.12.1/install", "rye"),
        ("/home/u/.local/share/hatch/pythons/3.12/python", "hatch"),
        ("/home/u/.local/share/pdm/python/cpython@3.12.1", "pdm"),
    ],
)
def test_version_managers_by_default_location(
    answer: ProbeResult, prefix: str, manager: str
) -> None:
    assert verdict(moved(answer, prefix)) == ("managed", manager)


@pytest.mark.parametrize(
    ("variable", "root", "prefix", "manager"),
    [
        ("PYENV_ROOT", "/opt/pyenv", "/opt/pyenv/versions/3.12.1", "pyenv"),
        ("UV_PYTHON_INSTALL_DIR", "/srv/pythons", "/srv/pythons/cpython-3.12.7-linux", "uv"),
        ("ASDF_DATA_DIR", "/srv/asdf", "/srv/asdf/installs/python/3.12.7", "asdf"),
        ("MISE_DATA_DIR", "/srv/m", "/srv/m/installs/python/3.12.3", "mise"),
        ("RYE_HOME", "/srv/rye", "/srv/rye/py/cpython@3.12.1", "rye"),
        ("HATCH_DATA_DIR", "/srv/h", "/srv/h/pythons/3.12/python", "hatch"),
    ],
)
def test_version_manager_roots_from_environment(
    answer: ProbeResult, variable: str, root: str, prefix: str, manager: str
) -> None:
    probe = moved(answer, prefix)
    assert verdict(probe) == ("system", None)
    assert verdict(probe, **{variable: root}) == ("managed", manager)


def test_usr_prefix_on_linux_is_the_distribution(answer: ProbeResult) -> None:
    assert answer.platform is not None
    platform = attrs.evolve(answer.platform, os_release={"id": "fedora", "version_id": "40"})
    fedora = attrs.evolve(moved(answer, "/usr", exe="/usr/bin/python3.12"), platform=platform)
    assert verdict(fedora) == ("system", "fedora")
    assert verdict(moved(answer, "/usr/local")) == ("system", None)


PROBE_FIXTURES = sorted(path.name for path in (FIXTURES / "probes").glob("*.json"))


@pytest.mark.parametrize("fixture", PROBE_FIXTURES)
def test_fixture_layouts_are_classified_as_expected(fixture: str, tmp_path: Path) -> None:
    script, data = fake_interpreter(tmp_path, fixture)
    found = inspect_interpreter(script, cache=False, environ=data.get("environ", {}))
    expect = data["expect"]
    assert found.kind.value == expect["kind"]
    assert found.manager == expect["manager"]
    assert found.site_packages == expect["site_packages"]
    assert found.externally_managed == expect["externally_managed"]
    assert found.freethreaded == expect["freethreaded"]
    assert found.debug == expect["debug"]
    assert found.executable == data["probe"]["executable"]
    assert found.kind is Kind(expect["kind"])


def test_every_fixture_says_where_it_came_from() -> None:
    for name in PROBE_FIXTURES:
        data = json.loads((FIXTURES / "probes" / name).read_text())
        assert data["provenance"].strip(), name
        assert data["description"].strip(), name


def keys(data: Any) -> Any:
    if isinstance(data, dict):
        skip = ("vars", "paths", "values", "os_release", "errors", "build_details")
        return {key: (None if key in skip else keys(value)) for key, value in data.items()}
    return None


def test_fixtures_have_the_keys_the_probe_emits() -> None:
    real = keys(run_probe(str(pyenv_python("3.12.1"))))
    for name in PROBE_FIXTURES:
        probe = json.loads((FIXTURES / "probes" / name).read_text())["probe"]
        fixture_keys = keys(probe)
        # sections that may be null in either answer compare only at the top level
        for section in ("platform", "sysconfig", "pyvenv_cfg", "externally_managed"):
            if fixture_keys.get(section) is None or real.get(section) is None:
                fixture_keys.pop(section, None)
        assert set(keys(probe)) == set(real), name
        for section, value in fixture_keys.items():
            if isinstance(value, dict) and isinstance(real.get(section), dict):
                assert set(value) == set(real[section]), (name, section)
