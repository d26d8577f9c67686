"""Shared fixtures: the machine's real interpreters and builders of odd layouts in temp dirs."""

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Optional

import pytest

PYENV_ROOT = Path(os.environ.get("WHICHPYTHON_TEST_PYENV_ROOT", "/root/.pyenv"))
PYENV_VERSIONS = ["2.7.18", "3.6.15", "3.7.16", "3.8.18", "3.9.18", "3.10.13", "3.11.7",
                  "3.12.1", "3.13.0"]  # fmt: skip
DEBIAN = {"debian-3.11": "/usr/bin/python3.11", "debian-3.11d": "/usr/bin/python3.11d",
          "debian-pypy3": "/usr/bin/pypy3"}  # fmt: skip
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def pyenv_python(version: str) -> Path:
    """``$PYENV_ROOT/versions/<v>/bin/python`` or skip the test."""
    path = PYENV_ROOT / "versions" / version / "bin" / "python"
    if not path.exists():
        pytest.skip(f"pyenv {version} is not installed at {path}")
    return path


def real_interpreters() -> list[Any]:
    """Every real interpreter the acceptance names, as pytest params (skipped when absent)."""
    params = []
    for version in PYENV_VERSIONS:
        path = PYENV_ROOT / "versions" / version / "bin" / "python"
        params.append(pytest.param(str(path), id=f"pyenv-{version}"))
    for name, path_text in DEBIAN.items():
        params.append(pytest.param(path_text, id=name))
    return params


def require(path: str) -> str:
    if not os.path.exists(path):
        pytest.skip(f"{path} is not installed")
    return path


def isolation_flags(path: str) -> list[str]:
    major = self_report(path, "import sys; print(sys.version_info[0])", ["-E", "-s"]).strip()
    return ["-I"] if major == "3" else ["-E", "-s"]


def self_report(python: str, code: str, flags: Optional[list[str]] = None) -> str:
    """Run ``code`` in ``python`` and return its stdout (the interpreter speaking for itself)."""
    argv = [python, *(flags if flags is not None else isolation_flags(python)), "-c", code]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    return subprocess.run(argv, capture_output=True, text=True, check=True, env=env).stdout


def run_cli(
    *args: str,
    env: Optional[dict[str, str]] = None,
    timeout: float = 60,
    cwd: Optional[Path] = None,
) -> Any:
    """``python -m whichpython ARGS`` in a subprocess (the real CLI, exit code and all). With
    an ``env`` from :func:`machine_cli_env`, on that fake machine, run from its root unless
    ``cwd`` says otherwise (never from the repository, whose ``.venv`` it would find)."""
    full_env = dict(os.environ if env is None else env)
    root = full_env.get("WHICHPYTHON_TEST_ROOT")
    command = ["-c", CLI] if root else ["-m", "whichpython"]
    return subprocess.run(
        [sys.executable, *command, *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        cwd=cwd or root or None,
    )


# -- isolation: a fake machine built in a temp dir sees nothing of the real one --------------
# Sources read environment variables and absolute system locations (/nix/store, /opt/conda,
# /run/current-system/sw/bin, /etc/profiles/per-user, /Library/Frameworks, Homebrew's
# prefixes). `.ci/with-fake-nix` runs the suite on a machine that has them all.

#: Variables some source reads (the user's own pythons): drop them from a copy of os.environ.
SOURCE_VARIABLES = (
    *("PYENV", "CONDA", "MAMBA_", "VIRTUAL_ENV", "UV_", "NIX_", "XDG_", "USER", "HOMEBREW_"),
    *("ASDF_", "MISE_", "RYE_", "HATCH_", "APPDATA", "LOCALAPPDATA", "WHICHPYTHON_EXTRA_DIRS"),
)


def recorded_answers(folder: Path) -> list[Path]:
    """The recorded CLI answers in an answers dir (not the index files beside them, which name
    the variables the answers are keyed on)."""
    import marshal

    found = []
    for file in sorted(folder.glob("*.marshal")) if folder.is_dir() else []:
        data = marshal.loads(file.read_bytes())
        if isinstance(data, dict) and "witnesses" in data:
            found.append(file)
    return found


def recorded_environments(tool: str) -> dict[str, Any]:
    """``fixtures/environments/<tool>.json``: a layout recorded from the real tool."""
    data: dict[str, Any] = json.loads((FIXTURES / "environments" / f"{tool}.json").read_text())
    return data


def recorded_text(tool: str, path: str, where: str = "") -> str:
    """A file's text as the real tool wrote it (``$ROOT`` left in): ``path`` among the
    entries of an env dir, container or project (a layout's) whose path ends with ``where``."""
    groups = {"entries": "env_dir", "container_entries": "container", "project_entries": "project"}
    for layout in recorded_environments(tool)["layouts"]:
        for group, base in groups.items():
            if not (layout.get(base) or "").endswith(where):
                continue
            for entry in layout.get(group, []):
                if entry["path"] == path and entry.get("text") is not None:
                    return str(entry["text"])
    raise LookupError(f"{tool}.json records no {path} in {where}")


def machine_environ(root: Path) -> dict[str, str]:
    """The whole environment of a fake machine under ``root`` (not a copy of ``os.environ``):
    a variable a source reads (PYENV_ROOT, CONDA_EXE, MAMBA_ROOT_PREFIX, XDG_DATA_HOME, USER,
    NIX_PROFILES, HOMEBREW_PREFIX, VIRTUAL_ENV, ...) is absent unless the test sets it, so
    its default lies under ``root/home`` or is not consulted at all."""
    return {
        "HOME": str(root / "home"),
        "PATH": "",
        "NIX_STORE_DIR": str(root / "nix" / "store"),
        "WHICHPYTHON_CACHE_DIR": str(root / "cache"),
    }


def _system_path_under(root: str) -> Any:
    """A ``Context.system_path`` that maps absolute system locations under ``root`` (or under
    the context's own root when it has one)."""

    def system_path(self: Any, path: str) -> str:
        base = self.root if self.root not in ("", "/") else root
        return os.path.join(base, path.lstrip("/\\"))

    return system_path


def isolate_machine(monkeypatch: pytest.MonkeyPatch, root: Path) -> None:
    """In this process, for a fake machine under ``root``: system locations map under ``root``
    also where no ``Discovery(root=...)`` can be passed (``find_interpreter``), and calls that
    pass no ``environ`` (so read this process's) find HOME and XDG_DATA_HOME under ``root``."""
    from whichpython.sources.base import Context

    monkeypatch.setattr(Context, "system_path", _system_path_under(str(root)))
    monkeypatch.setenv("HOME", str(root / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(root / "home" / ".local" / "share"))


#: Prepended to code that runs the CLI in a subprocess: with ``$WHICHPYTHON_TEST_ROOT`` set,
#: system locations map under it, as ``Discovery(root=...)`` does in-process (the CLI has no
#: option for that). The variable is removed before the CLI sees its environment.
ROOT_SYSTEM = """\
import os as _os
_root = _os.environ.pop("WHICHPYTHON_TEST_ROOT", "")
if _root:
    from whichpython.sources.base import Context as _Context
    _Context.system_path = lambda self, path: _os.path.join(_root, path.lstrip("/\\\\"))
"""
#: ``python -c CLI ARGS``: ``python -m whichpython ARGS`` that honours ``ROOT_SYSTEM``.
CLI = ROOT_SYSTEM + "import runpy\nrunpy.run_module('whichpython', run_name='__main__')\n"


def machine_cli_env(root: Path, environ: dict[str, str]) -> dict[str, str]:
    """``environ`` for a CLI subprocess on the fake machine under ``root``: rooted (see
    ``ROOT_SYSTEM``), and with the caller's PYTHONPATH so a run against other sources
    (``PYTHONPATH=/elsewhere/src pytest``) tests those in the subprocess too."""
    env = dict(environ, WHICHPYTHON_TEST_ROOT=str(root))
    if os.environ.get("PYTHONPATH") and "PYTHONPATH" not in env:
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env


#: Files of an install whose signature a probe-cache entry keeps (cache.dependencies): copied,
#: never hard-linked, by :func:`relocated_copy`, since a hard link changes the original's
#: ctime and so invalidates the cache of a test running at the same time on the same install.
_WITNESSED = re.compile(r"^_sysconfigdata.*\.py$|\.pth$|^sitecustomize\.py$|^EXTERNALLY-MANAGED$|"
                        r"^build-details\.json$|^libpython.*\.so")  # fmt: skip


def relocated_copy(version: str, dest: Path) -> Path:
    """A copy of a pyenv build at ``dest``: bin/ copied, the big dirs hard-linked when possible.

    The interpreter finds its new prefix at run time; its sysconfig data still names the old one.
    """
    source = PYENV_ROOT / "versions" / version
    if not source.exists():
        pytest.skip(f"pyenv {version} is not installed")

    def link_or_copy(src: str, dst: str) -> object:
        if not _WITNESSED.search(os.path.basename(src)):
            try:
                os.link(src, dst)
                return dst
            except OSError:
                pass
        return shutil.copy2(src, dst)

    dest.mkdir(parents=True)
    for child in source.iterdir():
        target = dest / child.name
        if child.name == "bin":
            shutil.copytree(child, target, symlinks=True)
        elif child.is_dir():
            ignore = shutil.ignore_patterns("test", "tests", "__pycache__", "idlelib", "tkinter")
            shutil.copytree(child, target, symlinks=True, copy_function=link_or_copy, ignore=ignore)
        else:
            shutil.copy2(child, target)
    return dest


BUILD_PREFIX = "/install"
_BUILD_BOX_TOOLS = {"CC": "/tools/llvm/bin/clang", "CXX": "/tools/llvm/bin/clang++",
                    "LDSHARED": "/tools/llvm/bin/clang", "BLDSHARED": "/tools/llvm/bin/clang",
                    "LDCXXSHARED": "/tools/llvm/bin/clang++", "LINKCC": "/tools/llvm/bin/clang",
                    "AR": "/tools/llvm/bin/llvm-ar"}  # fmt: skip


def standalone_lookalike(version: str, dest: Path) -> Path:
    """A relocated pyenv build made to look like python-build-standalone (field notes): built
    for ``/install`` by a build box whose compilers live in ``/tools/llvm/bin``, RUNPATH
    ``$ORIGIN/../lib``. Returns the copy's ``bin/pythonX.Y``.

    Besides the sysconfig data and .pc files, the prefix compiled into libpython is made to
    name a directory that does not exist, as a real standalone build's ``/install`` does; only
    then do an embedded interpreter or a venv made through a symlink look for the stdlib in
    the wrong place instead of silently using the original pyenv install. That rewrite keeps
    the length and the tail (``/root/...`` -> ``/nowh/...``): the linker merges strings
    such as the version number into the tail of the prefix string.
    """
    patchelf = shutil.which("patchelf")
    if patchelf is None:
        pytest.skip("patchelf is not installed (apt-get install patchelf)")
    old = str(PYENV_ROOT / "versions" / version)
    copy = relocated_copy(version, dest)
    short = ".".join(version.split(".")[:2])
    python = copy / "bin" / f"python{short}"
    stdlib = copy / "lib" / f"python{short}"
    for data_file in stdlib.glob("_sysconfigdata*.py"):
        namespace: dict[str, Any] = {}
        exec(data_file.read_text(), namespace)
        values = {}
        for key, value in namespace["build_time_vars"].items():
            if isinstance(value, str):
                # No rpath in a standalone build's flags (pyenv adds one through LDFLAGS).
                words = [w for w in value.split(" ") if not w.startswith("-Wl,-rpath")]
                value = " ".join(words).replace(old, BUILD_PREFIX)
                if key in _BUILD_BOX_TOOLS and value.split():
                    value = " ".join([_BUILD_BOX_TOOLS[key], *value.split()[1:]])
            values[key] = value
        _replace(data_file, f"build_time_vars = {values!r}\n".encode())
    for pc_file in (copy / "lib" / "pkgconfig").glob("*.pc"):
        _replace(pc_file, pc_file.read_bytes().replace(old.encode(), BUILD_PREFIX.encode()))
    first = old.split("/")[1]
    gone = "/" + "nowhere-at-all"[: len(first)] + old[len(first) + 1 :]
    assert not os.path.exists(gone) and len(gone) == len(old)
    for library in (copy / "lib").glob("libpython*.so*"):
        if not library.is_symlink():
            _replace(library, library.read_bytes().replace(old.encode(), gone.encode()))
    subprocess.run([patchelf, "--set-rpath", "$ORIGIN/../lib", str(python)], check=True)
    return python


def _replace(path: Path, data: bytes) -> None:
    """Write a new file over ``path`` (never in place: the copy hard-links the original)."""
    fresh = path.with_name(path.name + ".new")
    fresh.write_bytes(data)
    shutil.copymode(path, fresh)
    os.replace(fresh, path)


def make_venv(base: str, dest: Path, *extra: str) -> Path:
    """``base -m venv dest`` (without pip: fast); returns the venv's python."""
    subprocess.run([base, "-m", "venv", "--without-pip", *extra, str(dest)], check=True)
    return dest / "bin" / "python"


def write_script(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return path


def fake_interpreter(directory: Path, fixture: str) -> tuple[Path, dict[str, Any]]:
    """An executable that answers the probe with a recorded answer from ``fixtures/probes``."""
    data = json.loads((FIXTURES / "probes" / fixture).read_text())
    answer = directory / (fixture + ".answer.json")
    answer.write_text(json.dumps(data["probe"]))
    script = directory / fixture.replace(".json", "")
    write_script(
        script,
        f"#!{sys.executable}\n"
        "import os, sys\n"
        f"payload = open({str(answer)!r}).read()\n"
        "marker = sys.argv[-1]\n"
        "os.write(1, (marker + ':BEGIN' + payload + marker + ':END').encode('ascii'))\n",
    )
    return script, data


@pytest.fixture(scope="module")
def pbs312(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A relocated python-build-standalone lookalike of pyenv's 3.12.1 (one per module,
    removed after it)."""
    folder = tmp_path_factory.mktemp("pbs")
    yield standalone_lookalike("3.12.1", folder / "cpython-3.12.1")
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pbs312_link(pbs312: Path, tmp_path: Path) -> Path:
    """``python3`` in an unrelated directory, a symlink to :func:`pbs312` (the seed-003 case:
    ``python -m venv`` through it writes the link's directory as ``home``)."""
    elsewhere = tmp_path / "elsewhere" / "bin"
    elsewhere.mkdir(parents=True)
    (elsewhere / "python3").symlink_to(pbs312)
    return elsewhere / "python3"


@pytest.fixture(scope="session")
def copy312(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A relocated copy of pyenv 3.12.1 shared by read-only tests (removed at the end)."""
    folder = tmp_path_factory.mktemp("relocated")
    yield relocated_copy("3.12.1", folder / "cpython-3.12")
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private cache for the test (in-process and CLI subprocesses alike)."""
    directory = tmp_path / "cache"
    monkeypatch.setenv("WHICHPYTHON_CACHE_DIR", str(directory))
    monkeypatch.delenv("WHICHPYTHON_NO_CACHE", raising=False)
    yield directory


#: What the caller's shell says about the Python it selected or activated, and settings of
#: whichpython and of the tools whose environments the sources find: a test of the real
#: machine must not inherit them (:func:`_not_the_callers`). Prefixes.
CALLER_VARIABLES = (
    *("VIRTUAL_ENV", "CONDA_", "MAMBA_", "PIXI_", "PYENV_VERSION", "PYENV_DIR", "UV_"),
    *("WHICHPYTHON_", "PIPENV_", "POETRY_", "PDM_", "HATCH_", "RYE_", "MISE_", "ASDF_"),
    *("VIRTUALENV_", "VIRTUALENVWRAPPER_", "WORKON_HOME", "PIPX_", "TOX_", "NOX_"),
    *("__PYVENV_LAUNCHER__", "PYTHONEXECUTABLE"),
)
#: Kept although they match: the test suite's own settings (README) ...
TEST_VARIABLES = "WHICHPYTHON_TEST_"
#: ... and the variables this one names (space-separated), which belong to the machine under
#: test: ``.ci/with-fake-nix`` keeps its ``WHICHPYTHON_EXTRA_DIRS`` that way.
MACHINE_VARIABLES = "WHICHPYTHON_TEST_MACHINE_ENV"
#: The variables that name an active environment (whose ``bin`` an activation put on PATH).
ACTIVE = re.compile(r"^(VIRTUAL_ENV|CONDA_PREFIX(_\d+)?)$")


@pytest.fixture(scope="session", autouse=True)
def _not_the_callers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every test sees this machine, not the caller's session: ``CALLER_VARIABLES`` are
    removed from ``os.environ`` (so from every subprocess that inherits it or copies it), and
    so is the ``bin`` dir of the caller's active environments (``$VIRTUAL_ENV``,
    ``$CONDA_PREFIX``, the venv pytest runs in) from PATH, which is how an activated venv shows
    itself to ``find``. Kept: HOME, PATH's other dirs, PYENV_ROOT, the XDG dirs (the user's
    machine), PIP_* (how packages install here) and PYTHON* (how the interpreter running the
    tests, hence ``sys.executable`` in a subprocess, must run: PYTHONPATH points it at the code
    under test; the probe ignores them). Session-scoped, so it holds for every fixture too;
    whichpython's cache is a session dir until :func:`_no_user_cache` gives each test its own."""
    keep = set(os.environ.get(MACHINE_VARIABLES, "").split())
    active = [value for name, value in os.environ.items() if value and ACTIVE.match(name)]
    if sys.prefix != sys.base_prefix:
        active.append(sys.prefix)
    callers = {
        _same(os.path.join(prefix, folder)) for prefix in active for folder in ("bin", "Scripts")
    }
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.upper().startswith(CALLER_VARIABLES) and not (
                name.startswith(TEST_VARIABLES) or name in keep
            ):
                patch.delenv(name)
        if "PATH" in os.environ:
            path = os.environ["PATH"].split(os.pathsep)
            patch.setenv(
                "PATH", os.pathsep.join(e for e in path if not e or _same(e) not in callers)
            )
        patch.setenv("WHICHPYTHON_CACHE_DIR", str(tmp_path_factory.mktemp("session-cache")))
        yield


def _same(path: str) -> str:
    return os.path.normcase(os.path.abspath(path))


@pytest.fixture(autouse=True)
def _no_user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never read or write the user's real cache: each has its own."""
    monkeypatch.setenv("WHICHPYTHON_CACHE_DIR", str(tmp_path / "default-cache"))


FAKE_PYTHON = """\
import json, os, sys
answer = json.loads({template!r})
settings = json.loads({settings!r})
me = os.path.abspath(sys.argv[0])
prefix = settings.get("prefix") or os.path.dirname(os.path.dirname(me))
minor = "%d.%d" % tuple(settings["version_info"][:2])
answer.update(
    version_info=settings["version_info"],
    implementation=dict(answer["implementation"], name=settings["implementation"],
                        version=settings["version_info"]),
    executable=me, executable_realpath=os.path.realpath(me), base_executable=os.path.realpath(me),
    sys_base_executable=me, prefix=prefix, exec_prefix=prefix,
    base_prefix=settings.get("base_prefix") or prefix,
    base_exec_prefix=settings.get("base_prefix") or prefix,
    sys_path=[prefix + "/lib/python" + minor, prefix + "/lib/python" + minor + "/site-packages"],
    conda_meta=os.path.isdir(os.path.join(prefix, "conda-meta")),
)
answer["sysconfig"]["vars"].update(Py_GIL_DISABLED=int(settings["freethreaded"]),
                                   Py_DEBUG=int(settings["debug"]))
answer["debug_build"] = settings["debug"]
cfg = [os.path.join(d, "pyvenv.cfg") for d in (os.path.dirname(me), prefix)]
cfg = [c for c in cfg if os.path.isfile(c)]
if cfg:
    values = dict(line.split("=", 1) for line in open(cfg[0]) if "=" in line)
    answer["pyvenv_cfg"] = {{"path": cfg[0],
                            "values": {{k.strip(): v.strip() for k, v in values.items()}}}}
else:
    answer["pyvenv_cfg"] = None
if settings.get("hang"):
    import time
    time.sleep(1000)
marker = sys.argv[-1]
os.write(1, (marker + ":BEGIN" + json.dumps(answer) + marker + ":END").encode("ascii"))
"""

_TEMPLATE: list[str] = []


def probe_template() -> str:
    """A real probe answer (pyenv 3.12, or the test runner's own Python) to build fakes from."""
    if not _TEMPLATE:
        from whichpython.probe.runner import run_probe

        real = PYENV_ROOT / "versions" / "3.12.1" / "bin" / "python3.12"
        answer = run_probe(str(real) if real.exists() else sys.executable, environ=os.environ)
        answer["pyvenv_cfg"] = None
        _TEMPLATE.append(json.dumps(answer))
    return _TEMPLATE[0]


def fake_python(
    path: Path,
    version: str = "3.12.4",
    *,
    implementation: str = "cpython",
    freethreaded: bool = False,
    debug: bool = False,
    prefix: Optional[str] = None,
    base_prefix: Optional[str] = None,
    hang: bool = False,
) -> Path:
    """An executable at ``path`` that answers the probe like a Python of that version living
    in ``path``'s prefix (``path/../..``), pyvenv.cfg and conda-meta included."""
    numbers = [int(n) for n in version.split(".")]
    settings = {
        "version_info": [*numbers, "final", 0],
        "implementation": implementation,
        "freethreaded": freethreaded,
        "debug": debug,
        "prefix": prefix,
        "base_prefix": base_prefix,
        "hang": hang,
    }
    body = FAKE_PYTHON.format(template=probe_template(), settings=json.dumps(settings))
    return write_script(path, f"#!{sys.executable}\n{body}")


@pytest.fixture
def probes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Records the executable of each real probe run (in-process)."""
    from whichpython.probe import runner

    calls: list[str] = []
    real = runner._run

    def counting(argv: list[str], env: dict[str, str], timeout: float) -> Any:
        calls.append(argv[0])
        return real(argv, env, timeout)

    monkeypatch.setattr(runner, "_run", counting)
    yield calls


OTHER_UID = 65534  # nobody: the stranger the trust tests plant files as


def plant_as_other_user(directory: Path, name: str, text: str) -> Path:
    """Write ``directory/name`` as another user (uid/gid 65534, through ``setpriv``), the way
    a stranger plants a file: ``directory`` must be one that user may write (the caller makes
    it theirs, or world-writable). Skips the test unless it runs as root with ``setpriv``."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        pytest.skip("planting a file as another user needs root and setpriv")
    # The child starts in ``directory``, so it needs no access to the (private) dirs above it.
    subprocess.run(
        [setpriv, f"--reuid={OTHER_UID}", f"--regid={OTHER_UID}", "--clear-groups",
         "sh", "-c", 'cat > "$1"', "sh", name],
        input=text.encode(), cwd=directory, check=True, timeout=30,
    )  # fmt: skip
    planted = directory / name
    assert planted.stat().st_uid == OTHER_UID
    return planted


def measure_cost(code: str, *, timeout: float = 60, memory_mb: int = 4096) -> tuple[float, float]:
    """Run ``code`` in a fresh Python (this test's interpreter) and return
    ``(seconds, peak RSS in MiB)`` of that process alone (VmHWM on Linux: ru_maxrss would
    count the parent's size at the fork). The child's address space is capped
    at ``memory_mb`` and it is killed after ``timeout`` s, so a regression fails the test
    instead of taking the machine down; either is reported as a huge cost."""

    wrapped = (
        "import resource, sys, time\n"
        f"resource.setrlimit(resource.RLIMIT_AS, ({memory_mb} << 20, {memory_mb} << 20))\n"
        "start = time.perf_counter()\n"
        f"exec(compile({code!r}, '<measured>', 'exec'))\n"
        "elapsed = time.perf_counter() - start\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        # ru_maxrss survives exec: a child of a large pytest starts at its parent's size.
        # VmHWM is the peak of this program's own memory (Linux).
        "try:\n"
        "    with open('/proc/self/status') as status:\n"
        "        peak = [int(line.split()[1]) / 1024 for line in status\n"
        "                if line.startswith('VmHWM:')][0]\n"
        "except (OSError, IndexError):\n"
        "    pass\n"
        "sys.stdout.write('\\nCOST %r %r\\n' % (elapsed, peak))\n"
    )
    try:
        done = subprocess.run([sys.executable, "-c", wrapped], capture_output=True,
                              timeout=timeout, text=True)  # fmt: skip
    except subprocess.TimeoutExpired:
        return float("inf"), float("inf")
    lines = [line for line in done.stdout.splitlines() if line.startswith("COST ")]
    if done.returncode != 0 or not lines:
        if "MemoryError" in done.stderr:
            return float("inf"), float(memory_mb)
        raise AssertionError(f"the measured code failed:\n{done.stderr[-2000:]}")
    seconds, peak = lines[-1].split()[1:]
    return float(seconds), float(peak)
