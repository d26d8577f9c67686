"""Pre-built attrs classes (whichpython.model.prebuilt, issue 25): the same classes attrs makes,
made without importing attrs; attrs builds them whenever the pre-built methods do not fit."""

import inspect
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from conftest import machine_cli_env, machine_environ, pyenv_python
from whichpython.model import _build, _prebuilt

# In a fresh process (prebuilt enabled or not, a plan spoiled or not): what each pre-built
# module's classes are to attrs, and how one real Interpreter behaves.
REPORT = """
import json, pickle, sys
import whichpython.model.prebuilt as prebuilt
import whichpython.model._prebuilt as plans
mode = sys.argv[1]
if mode == "attrs":
    prebuilt.ENABLED = False
elif mode == "old-attrs":
    plans.ATTRS_VERSION = "0.0.0"
elif mode == "changed":  # a class body other than the one the plan was made for
    plan = plans.PLANS[sys.version_info[:2]]["whichpython.model.models.Libc"]
    plan["fingerprint"] = "another class body"
import whichpython
found = whichpython.find_interpreter("3.12")
imported = sorted(sys.modules)
import importlib, attrs
from whichpython.model._build import MODULES
classes = {}
for name in MODULES:
    module = importlib.import_module(name)
    for cls in vars(module).values():
        if isinstance(cls, type) and cls.__module__ == name and attrs.has(cls):
            classes[f"{name}.{cls.__qualname__}"] = {
                "fields": [[f.name, repr(f.type), repr(f.default), f.init, f.eq, f.alias]
                           for f in attrs.fields(cls)],
                "slots": list(cls.__dict__.get("__slots__", ())),
                "match_args": list(getattr(cls, "__match_args__", ())),
                "hashable": cls.__hash__ is not None,
                "names": sorted(k for k in cls.__dict__ if not k.startswith("__prebuilt")),
            }
try:
    found.path = "elsewhere"
except attrs.exceptions.FrozenInstanceError:
    frozen = True
copy = pickle.loads(pickle.dumps(found))
other = attrs.evolve(found, source="other")
print(json.dumps({
    "imported": imported, "classes": classes, "json": found.to_json(), "repr": repr(found),
    "version_info": repr(found.version_info), "frozen": frozen,
    "same": copy == found and hash(copy) == hash(found) and copy is not found,
    "evolved": [other.source, other == found, other != found, attrs.asdict(other)["path"]],
    "one_class": whichpython.Interpreter is type(found) is type(copy) is type(other),
}))
"""


def _report(root: Path, env: dict[str, str], mode: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", REPORT, mode],
        capture_output=True, text=True, timeout=120, cwd=root, env=machine_cli_env(root, env),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    python = pyenv_python("3.12.1")
    if not python.exists():
        pytest.skip("pyenv 3.12.1 is not installed")
    root = tmp_path_factory.mktemp("machine")
    (root / "bin").mkdir()
    (root / "bin" / "python3.12").symlink_to(python)
    env = dict(machine_environ(root), PATH=str(root / "bin"))
    modes = ("attrs", "prebuilt", "old-attrs", "changed")
    return {mode: _report(root, env, mode) for mode in modes}


def test_the_prebuilt_classes_are_the_ones_attrs_makes(reports: dict[str, Any]) -> None:
    built, prebuilt = reports["attrs"], reports["prebuilt"]
    if sys.version_info[:2] not in _prebuilt.PLANS:
        pytest.skip(f"no pre-built methods for Python {sys.version_info[:2]}")
    assert "attrs" in built["imported"] and "attrs" not in prebuilt["imported"]
    assert len(prebuilt["classes"]) >= 30
    assert prebuilt["classes"] == built["classes"]
    for key in ("json", "repr", "version_info", "frozen", "same", "evolved", "one_class"):
        assert prebuilt[key] == built[key], key
    assert prebuilt["evolved"] == ["other", False, True, prebuilt["evolved"][3]]
    assert prebuilt["same"] and prebuilt["one_class"] and prebuilt["frozen"]


@pytest.mark.parametrize("mode", ["old-attrs", "changed"])
def test_attrs_builds_the_classes_the_prebuilt_methods_do_not_fit(
    reports: dict[str, Any], mode: str
) -> None:
    if sys.version_info[:2] not in _prebuilt.PLANS:
        pytest.skip(f"no pre-built methods for Python {sys.version_info[:2]}")
    report, built = reports[mode], reports["attrs"]
    assert "attrs" in report["imported"]  # built by attrs: slower, the same classes
    assert report["classes"] == built["classes"]
    for key in ("json", "repr", "version_info", "frozen", "same", "evolved", "one_class"):
        assert report[key] == built[key], key


def test_the_prebuilt_methods_are_those_attrs_writes_now() -> None:
    """Fails when _prebuilt.py is stale (a model changed): regenerate it with
    ``python -m whichpython.model._build /path/to/python3.X ...`` (see that module). Under
    another attrs release than the one it was generated with, the classes are built by attrs
    (the test above): the class bodies are still checked, the methods' source is not."""
    import attrs

    if sys.version_info[:2] not in _prebuilt.PLANS:
        pytest.skip(f"no pre-built methods for Python {sys.version_info[:2]}")
    plans = _prebuilt.PLANS[sys.version_info[:2]]
    _, _, fresh = _build._collect_in(sys.executable)
    assert sorted(plans) == sorted(plan["key"] for plan in fresh)
    for plan in fresh:
        saved = plans[plan["key"]]
        assert saved["fingerprint"] == plan["fingerprint"], plan["key"]
        assert list(saved["fields"]) == plan["fields"]
        assert list(saved["arguments"]) == plan["arguments"]
        assert list(saved["delegated"]) == plan["delegated"]
        assert _build._tuples(plan["structure"]) == saved["structure"], plan["key"]
    if attrs.__version__ != _prebuilt.ATTRS_VERSION:
        written = _prebuilt.ATTRS_VERSION
        pytest.skip(f"attrs {attrs.__version__} is installed, _prebuilt.py was written by "
                    f"attrs {written}: regenerate it for the fast path")  # fmt: skip
    for plan in fresh:
        saved = plans[plan["key"]]
        factory = inspect.getsource(saved["methods"])
        for source in plan["sources"]:
            assert textwrap.indent(source, "    ") in factory, plan["key"]
