"""Every file whichpython reads, made hostile: a FIFO (opening it blocks), a link to /dev/zero
(it never ends), a 2 GiB sparse file and a Unix socket. Each is refused without a hang and
without reading more than a few MiB in all, and ``--explain`` (or the error) says why.

Each run is a subprocess with a timeout, an address-space limit and a report of the bytes the
process read (``rchar`` in /proc/self/io), on a fake machine under ``tmp_path``."""

import json
import os
import re
import resource
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

import whichpython.probe
from conftest import (
    CLI,
    OTHER_UID,
    fake_python,
    isolate_machine,
    machine_cli_env,
    machine_environ,
    measure_cost,
    plant_as_other_user,
    pyenv_python,
    recorded_answers,
    require,
    run_cli,
    standalone_lookalike,
    write_script,
)
from whichpython.engine.discovery import Discovery

KINDS = ["fifo", "dev-zero", "sparse", "socket"]
TIMEOUT = 20  # a run takes ~1 s; today's main hangs on a FIFO
MAX_READ = 32 << 20  # bytes read by a whole run (imports, probes' answers); a hostile file: 0
DOCS = Path(__file__).resolve().parent.parent / "docs"
PROBE = Path(whichpython.probe.__file__).parent / "_script.py"  # the code under test

#: Prepended to the code a run executes: report the bytes this process read, at exit.
READS = """\
import atexit as _atexit
def _report_reads():
    import os
    with open("/proc/self/io") as handle:
        rchar = [line.split()[1] for line in handle if line.startswith("rchar:")][0]
    os.write(2, ("\\nREAD_BYTES=%s\\n" % rchar).encode("ascii"))
_atexit.register(_report_reads)
"""


def reason(kind: str, cap: str = "64 KiB") -> str:
    return {
        "fifo": "is a FIFO, not a regular file",
        "dev-zero": "is a character device, not a regular file",
        "socket": "is a socket, not a regular file",
        "sparse": f"is larger than {cap} (2 GiB)",
    }[kind]


def hostile(path: Path, kind: str) -> Path:
    """Put a FIFO, a link to /dev/zero, a 2 GiB sparse file or a socket at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "sparse":
        with path.open("wb") as handle:
            handle.truncate(2 << 30)
    else:  # bound where the path is short enough for sun_path, then moved into place
        short = tempfile.mkdtemp(dir="/tmp")
        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind(os.path.join(short, "s"))
            os.rename(os.path.join(short, "s"), path)
        os.rmdir(short)
    return path


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))  # a net under today's main


def run(
    code: str,
    args: list[str],
    env: dict[str, str],
    cwd: Path,
    python: str = sys.executable,
    flags: tuple[str, ...] = (),
) -> Any:
    """``python flags -c code args`` with a timeout and a memory limit; fails when it read
    more than :data:`MAX_READ` bytes in all or did not end normally."""
    done = subprocess.run(
        [python, *flags, "-c", READS + code, *args],
        capture_output=True, text=True, env=env, cwd=cwd, timeout=TIMEOUT,
        preexec_fn=_limit_memory,
    )  # fmt: skip
    found = re.search(r"READ_BYTES=(\d+)", done.stderr)
    assert found, done.stderr[-2000:]
    assert int(found.group(1)) < MAX_READ, f"read {found.group(1)} bytes"
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    return done


class Machine:
    """A fake machine under ``root``: a Python 3.12 on PATH, its cwd ``work/sub``, and no
    variable of the real one (HOME, PYENV_ROOT, XDG_*, NIX_STORE_DIR, CONDA_* all point in)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.cwd = root / "work" / "sub"
        self.cwd.mkdir(parents=True)
        self.environ = machine_environ(root)
        home = root / "home"
        self.environ.update(
            PYENV_ROOT=str(home / ".pyenv"), XDG_DATA_HOME=str(home / ".local" / "share"),
            XDG_CONFIG_HOME=str(home / ".config"), XDG_CACHE_HOME=str(home / ".cache"),
            CONDA_EXE=str(root / "conda" / "bin" / "conda"),
        )  # fmt: skip
        self.python = fake_python(root / "usr" / "bin" / "python3.12", "3.12.4")
        self.environ["PATH"] = str(self.python.parent)

    def cli(self, *args: str, prelude: str = "") -> Any:
        env = machine_cli_env(self.root, self.environ)
        return run(prelude + CLI, list(args), env, self.cwd)

    def explained(self, *args: str, path: Path, why: str) -> Any:
        """Run ``args --explain`` as text and as JSON: both name ``path`` and ``why``."""
        text = self.cli(*args, "--explain")
        assert text.returncode == 0, text.stderr
        lines = text.stdout.splitlines()
        assert "files not read:" in lines
        assert f"  {path}: {why}" in lines[lines.index("files not read:") :]
        data = self.cli(*args, "--explain", "--json")
        assert data.returncode == 0, data.stderr
        answer = json.loads(data.stdout)
        assert {"path": str(path), "reason": why} in answer["skipped"]
        list_schema().validate(answer)
        return answer


def list_schema() -> Any:
    """A validator for docs/list.schema.json (its interpreters refer to the other schema)."""
    import jsonschema
    from referencing import Registry, Resource

    schemas = [json.loads(p.read_text()) for p in DOCS.glob("*.schema.json")]
    registry: Any = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in schemas
    )
    main = json.loads((DOCS / "list.schema.json").read_text())
    return jsonschema.Draft202012Validator(main, registry=registry)


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    return Machine(tmp_path)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", [".python-version", ".python-versions", ".tool-versions"])
def test_a_version_file_in_a_parent_dir(machine: Machine, name: str, kind: str) -> None:
    bad = hostile(machine.root / "work" / name, kind)
    answer = machine.explained("find", path=bad, why=reason(kind))
    assert answer["interpreter"]["path"] == str(machine.python)  # passed over, not obeyed


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("where", ["local", "global"])
def test_pyenv_version_files(machine: Machine, where: str, kind: str) -> None:
    pyenv = machine.root / "home" / ".pyenv"
    fake_python(pyenv / "versions" / "3.12.1" / "bin" / "python3.12", "3.12.1")
    place = machine.root / "work" / ".python-version" if where == "local" else pyenv / "version"
    bad = hostile(place, kind)
    answer = machine.explained("list", "3.12", path=bad, why=reason(kind))
    assert {i["version"] for i in answer["interpreters"]} == {"3.12.1", "3.12.4"}
    machine.explained("find", "3.12", path=bad, why=reason(kind))


@pytest.mark.parametrize("kind", KINDS)
def test_a_pyvenv_cfg_beside_a_python_on_path(machine: Machine, kind: str) -> None:
    venv_bin = machine.root / "venv" / "bin"
    python = fake_python(venv_bin / "python3.12", "3.12.9")
    bad = hostile(venv_bin / "pyvenv.cfg", kind)
    machine.environ["PATH"] = f"{venv_bin}{os.pathsep}{machine.environ['PATH']}"
    answer = machine.explained("list", path=bad, why=reason(kind))
    assert [i["path"] for i in answer["interpreters"]] == [str(machine.python)]
    (verdict,) = [c for c in answer["candidates"] if c["path"] == str(python)]
    assert verdict["verdict"] == "failed"
    assert verdict["detail"] == f"failed: its pyvenv.cfg cannot be read ({bad} {reason(kind)})"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("where", ["active", "project"])
def test_the_pyvenv_cfg_of_an_active_or_project_venv(
    machine: Machine, where: str, kind: str
) -> None:
    venv = machine.root / "active" if where == "active" else machine.root / "work" / ".venv"
    python = fake_python(venv / "bin" / "python", "3.12.5")
    bad = hostile(venv / "pyvenv.cfg", kind)
    if where == "active":
        machine.environ["VIRTUAL_ENV"] = str(venv)
    answer = machine.explained("find", "3.12", path=bad, why=reason(kind))
    assert answer["interpreter"]["path"] == str(machine.python)
    (verdict,) = [c for c in answer["candidates"] if c["path"] == str(python)]
    assert (verdict["source"], verdict["verdict"]) == (f"{where}-venv", "failed")
    assert "its pyvenv.cfg cannot be read" in verdict["detail"]


@pytest.mark.parametrize("kind", KINDS)
def test_conda_environments_txt(machine: Machine, kind: str) -> None:
    bad = hostile(machine.root / "home" / ".conda" / "environments.txt", kind)
    answer = machine.explained("list", path=bad, why=reason(kind, "1 MiB"))
    assert [i["path"] for i in answer["interpreters"]] == [str(machine.python)]


@pytest.mark.parametrize("kind", KINDS)
def test_build_details_json_of_an_install(machine: Machine, kind: str) -> None:
    prefix = machine.root / "home" / ".pyenv" / "versions" / "custom"
    python = fake_python(prefix / "bin" / "python3", "3.14.0")
    bad = hostile(prefix / "lib" / "python3.14" / "build-details.json", kind)
    answer = machine.explained("list", path=bad, why=reason(kind, "1 MiB"))
    assert str(python) in [i["path"] for i in answer["interpreters"]]


def test_the_library_api_lists_skipped_files(
    machine: Machine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from whichpython.model.models import Skipped

    isolate_machine(monkeypatch, machine.root)
    bad = hostile(machine.root / "work" / ".python-version", "socket")
    search = Discovery(environ=machine.environ, cwd=str(machine.cwd), root=str(machine.root))
    result = search.find(explain=True)
    assert result.interpreters[0].path == str(machine.python)
    assert result.skipped == [Skipped(str(bad), reason("socket"))]
    assert search.find_all().skipped == [Skipped(str(bad), reason("socket"))]


@pytest.mark.parametrize("kind", KINDS)
def test_an_interpreter_whose_pyvenv_cfg_is_hostile_is_not_run(machine: Machine, kind: str) -> None:
    venv = machine.root / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(pyenv_python("3.12.1"))  # it would block on a FIFO
    bad = hostile(venv / "pyvenv.cfg", kind)
    done = machine.cli("inspect", "--json", "--timeout", "3", str(venv / "bin" / "python"))
    assert done.returncode == 1
    error = json.loads(done.stdout)["error"]
    assert error["kind"] == "venv-config-unreadable"
    assert error["message"] == (
        f"{venv / 'bin' / 'python'}: its pyvenv.cfg cannot be read ({bad} {reason(kind)})"
    )


@pytest.mark.parametrize("kind", KINDS)
def test_ld_so_conf_and_its_includes(machine: Machine, kind: str) -> None:
    python = require("/usr/bin/python3.11")
    conf = machine.root / "etc" / "ld.so.conf"
    conf.parent.mkdir()
    conf.write_text(f"include {machine.root / 'etc' / 'ld.so.conf.d'}/*.conf\n/opt/lib\n")
    bad = hostile(machine.root / "etc" / "ld.so.conf.d" / "evil.conf", kind)
    prelude = f"import whichpython.facts.embedding as _e\n_e.LD_SO_CONF = {str(conf)!r}\n"
    done = machine.cli("embed", "--ldflags", "--rpath", python, prelude=prelude)
    assert done.returncode == 0, done.stderr
    assert "-lpython3.11" in done.stdout
    why = reason(kind, "1 MiB")
    assert f"whichpython: warning: {bad}: {why}; not read" in done.stderr


@pytest.mark.parametrize("kind", KINDS)
def test_fix_sysconfig_refuses_a_hostile_pc_file(tmp_path: Path, kind: str) -> None:
    machine = Machine(tmp_path / "m")
    python = standalone_lookalike("3.12.1", tmp_path / "cpython-3.12")  # built for /install
    copy = python.parent.parent
    before = {p: p.read_bytes() for p in (copy / "lib").glob("python3.12/_sysconfigdata*.py")}
    bad = hostile(copy / "lib" / "pkgconfig" / "evil.pc", kind)
    done = machine.cli("fix-sysconfig", str(python))
    assert done.returncode == 1
    why = reason(kind, "1 MiB")
    assert done.stderr.splitlines()[0] == f"whichpython: error: {bad}: {why}; nothing was changed"
    assert {p: p.read_bytes() for p in before} == before


@pytest.mark.parametrize("kind", KINDS)
def test_fix_sysconfig_refuses_a_hostile_sysconfigdata_file(machine: Machine, kind: str) -> None:
    python = fake_python(machine.root / "install" / "bin" / "python3.12", "3.12.4")
    bad = hostile(machine.root / "install" / "lib" / "_sysconfigdata__linux_x.py", kind)
    set_file = f"answer['sysconfig']['data_file'] = {str(bad)!r}\nmarker = sys.argv[-1]"
    python.write_text(python.read_text().replace("marker = sys.argv[-1]", set_file))
    done = machine.cli("fix-sysconfig", "--json", str(python))
    assert done.returncode == 1
    error = json.loads(done.stdout)["error"]
    assert error["message"] == f"{bad}: {reason(kind, '16 MiB')}; nothing was changed"


def _relocated_install(tmp_path: Path) -> tuple[Path, Path, dict[Path, bytes]]:
    """A relocated install (built for /install), its sysconfig data file, and the content of
    every file fix-sysconfig would change."""
    python = standalone_lookalike("3.12.1", tmp_path / "cpython-3.12")
    lib = python.parent.parent / "lib"
    data_file = next(lib.glob("python3.12/_sysconfigdata*.py"))
    files = [data_file, *(p for p in lib.glob("pkgconfig/*.pc") if not p.is_symlink())]
    return python, data_file, {p: p.read_bytes() for p in files}


def _as_stranger(directory: Path, name: str, text: str) -> Path:
    """``directory/name`` planted by uid 65534 (the directory is opened to them meanwhile)."""
    mode = directory.stat().st_mode
    directory.chmod(0o777)
    try:
        return plant_as_other_user(directory, name, text)
    finally:
        directory.chmod(mode)


JOURNAL = ".whichpython-fix-sysconfig.json"
JOURNAL_KINDS = [*KINDS, "symlink", "other-user", "not-json", "wrong-shape", "outside"]


@pytest.mark.parametrize("kind", JOURNAL_KINDS)
def test_fix_sysconfig_refuses_a_journal_it_did_not_write(tmp_path: Path, kind: str) -> None:
    """A journal of an interrupted fix is acted on (files renamed over others) only when it
    is a regular file of ours, shaped as whichpython writes it, naming files of this install."""
    import hashlib

    python, data_file, files = _relocated_install(tmp_path)
    journal = data_file.parent / JOURNAL
    decoy = tmp_path / "elsewhere" / "python-3.12.pc"
    decoy.parent.mkdir()
    decoy.write_text("prefix=/install\n")
    staged = Path(f"{decoy}.whichpython-new")
    staged.write_text("planted\n")
    sha = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (decoy, staged)}
    entry = {
        **{"path": str(decoy), "backup": f"{decoy}.whichpython-backup", "staged": str(staged)},
        **{"old_sha256": sha[decoy], "new_sha256": sha[staged]},
    }
    text = json.dumps({"format": 1, "build_prefix": "/install", "files": [entry]})
    why = f"names {decoy}, which is not a sysconfig data or .pc file of this install"
    if kind in KINDS:
        hostile(journal, kind)
        why = "is a symlink, not a regular file" if kind == "dev-zero" else reason(kind, "1 MiB")
    elif kind == "symlink":
        (tmp_path / "real.json").write_text(text)
        journal.symlink_to(tmp_path / "real.json")
        why = "is a symlink, not a regular file"
    elif kind == "other-user":
        _as_stranger(journal.parent, JOURNAL, text)
        why = "is owned by another user (uid 65534)"
    elif kind == "not-json":
        journal.write_text("{" * 100_000)
        why = "is not a journal whichpython wrote"
    elif kind == "wrong-shape":
        journal.write_text(json.dumps({"format": 1, "build_prefix": "/install", "files": "x"}))
        why = "is not a journal whichpython wrote"
    else:
        journal.write_text(text)
        journal.chmod(0o600)
    done = run_cli("fix-sysconfig", "--no-cache", str(python))
    assert done.returncode == 1, done.stdout
    assert done.stderr == (
        f"whichpython: error: {journal}: an unfinished fix-sysconfig's journal that is not used"
        f" ({why}); nothing was changed (remove it once the install is checked)\n"
    )
    assert {p: p.read_bytes() for p in files} == files
    assert decoy.read_text() == "prefix=/install\n"


BACKUP_KINDS = ["symlink-to-the-file", "fifo", "directory", "other-user"]


@pytest.mark.parametrize("kind", BACKUP_KINDS)
def test_fix_sysconfig_refuses_a_backup_it_cannot_trust(tmp_path: Path, kind: str) -> None:
    """The old code took anything at the backup's name as the backup: a link to the file
    itself (the "backup" then showed the fixed file: the original was lost), a FIFO."""
    python, data_file, files = _relocated_install(tmp_path)
    backup = Path(f"{data_file}.whichpython-backup")
    if kind == "symlink-to-the-file":
        backup.symlink_to(data_file)
        why = "is a symlink, not a regular file"
    elif kind == "fifo":
        os.mkfifo(backup)
        why = "is a FIFO, not a regular file"
    elif kind == "directory":
        backup.mkdir()
        why = "is a directory, not a regular file"
    else:
        _as_stranger(backup.parent, backup.name, files[data_file].decode())
        why = "is owned by another user (uid 65534)"
    done = run_cli("fix-sysconfig", "--no-cache", str(python))
    assert done.returncode == 1, done.stdout
    assert done.stderr == (
        f"whichpython: error: {backup}: {why}, so it is not trusted as the backup of"
        f" {data_file.name}; nothing was changed\n"
    )
    assert {p: p.read_bytes() for p in files} == files


# -- the probe's own reads, inside real interpreters ---------------------------------------

#: Runs the probe's functions (not main) in the interpreter; prints their errors as JSON.
PROBE_HARNESS = """\
import json, sys
source = open(sys.argv[1]).read().rsplit("\\nmain()", 1)[0]
probe = {"__name__": "probe"}
exec(compile(source, "_script.py", "exec"), probe)
probe["OS_RELEASE"] = (sys.argv[2],)
sys.executable = sys.argv[4]
guard = probe["guard"]
found = {
    "os_release": guard("os_release", probe["os_release"]),
    "build_details": guard(
        "build_details", lambda: probe["build_details"]({"path": sys.argv[3], "exists": True})),
    "pyvenv_cfg": guard("pyvenv_cfg", probe["find_pyvenv_cfg"]),
}
print(json.dumps({"found": found, "errors": probe["errors"]}))
"""


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("version", ["2.7.18", "3.6.15", "3.12.1", "3.13.0"])
def test_the_probes_reads(tmp_path: Path, version: str, kind: str) -> None:
    python = pyenv_python(version)
    os_release = hostile(tmp_path / "os-release", kind)
    details = hostile(tmp_path / "build-details.json", kind)
    cfg = hostile(tmp_path / "venv" / "bin" / "pyvenv.cfg", kind)
    args = [str(PROBE), str(os_release), str(details), str(cfg.parent / "python")]
    flags = ("-E", "-s") if version.startswith("2") else ("-I",)
    done = run(PROBE_HARNESS, args, {}, tmp_path, python=str(python), flags=flags)
    answer = json.loads(done.stdout)
    assert answer["found"] == {"os_release": None, "build_details": None, "pyvenv_cfg": None}
    assert answer["errors"] == {
        "os_release": f"{os_release}: {probe_reason(kind)}",
        "build_details": f"{details}: {probe_reason(kind, 1024)}",
        "pyvenv_cfg": f"{cfg}: {probe_reason(kind)}; passed over",
    }


def probe_reason(kind: str, kib: int = 64) -> str:
    if kind == "sparse":
        return f"is larger than {kib} KiB ({2 << 30} bytes)"
    return reason(kind)


@pytest.mark.parametrize("kind", KINDS)
def test_the_whole_probe_in_python_2_beside_a_hostile_pyvenv_cfg(tmp_path: Path, kind: str) -> None:
    """Python 2.7 does not read pyvenv.cfg at start-up: the probe is the first to meet it."""
    venv_bin = tmp_path / "venv" / "bin"
    venv_bin.mkdir(parents=True)
    (venv_bin / "python").symlink_to(pyenv_python("2.7.18"))
    cfg = hostile(venv_bin / "pyvenv.cfg", kind)
    marker = "WPTEST"
    python = str(venv_bin / "python")
    done = run(PROBE.read_text(), [marker], {}, tmp_path, python=python, flags=("-E", "-s"))
    payload = done.stdout.split(marker + ":BEGIN", 1)[1].split(marker + ":END", 1)[0]
    answer = json.loads(payload)
    assert answer["pyvenv_cfg"] is None
    assert answer["errors"] == {"pyvenv_cfg": f"{cfg}: {probe_reason(kind)}; passed over"}


def test_files_not_read_are_shown_when_nothing_matches(tmp_path: Path) -> None:
    """The moment a user needs to know what was not read is when nothing was found."""
    project = tmp_path / "project"
    project.mkdir()
    os.mkfifo(project / ".python-version")
    env = machine_environ(tmp_path)
    env["PYENV_ROOT"] = str(tmp_path / "no-pyenv")
    fifo = project / ".python-version"
    for extra in ([], ["--json"]):
        done = run_cli("find", "3.12", *extra, env=machine_cli_env(tmp_path, env), cwd=project)
        assert done.returncode == 1, done.stderr
        if extra:
            skipped = json.loads(done.stdout)["error"]["skipped"]
            assert skipped == [{"path": str(fifo), "reason": "is a FIFO, not a regular file"}]
        else:
            assert f"files not read:\n  {fifo}: is a FIFO, not a regular file\n" in done.stderr


# -- files another user planted (issue 21, trust) ---------------------------------------------
# What whichpython finds by walking up from the working directory is not used when it, or the
# directory it is in, is another user's or others may write it (git's safe.directory rule).


def stranger_dir(folder: Path, how: str) -> Path:
    """``folder`` made a place a stranger (uid 65534) can plant files in: theirs, or
    world-writable and sticky like ``/tmp``."""
    folder.mkdir(parents=True, exist_ok=True)
    if how == "theirs":
        os.chown(folder, OTHER_UID, OTHER_UID)
    else:
        folder.chmod(0o1777)
    return folder


def tripwire(path: Path, mark: Path, python: Path) -> Path:
    """An executable that leaves ``mark`` when it runs, then answers as ``python`` does."""
    return write_script(path, f'#!/bin/sh\n: > "{mark}"\nexec "{python}" "$@"\n')


def planted_venv(folder: Path, mark: Path, python: Path) -> Path:
    """A ``.venv`` in ``folder`` made by a stranger: their directories, their pyvenv.cfg and
    their ``bin/python`` (a :func:`tripwire`)."""
    venv = folder / ".venv"
    (venv / "bin").mkdir(parents=True)
    for made in (venv, venv / "bin"):
        os.chown(made, OTHER_UID, OTHER_UID)
    plant_as_other_user(venv, "pyvenv.cfg", "home = /usr/bin\nversion = 3.12.9\nuv = 0.5.0\n")
    body = f'#!/bin/sh\n: > "{mark}"\nexec "{python}" "$@"\n'
    plant_as_other_user(venv / "bin", "python", body).chmod(0o755)
    return venv


VERSION_FILE_TEXT = {".tool-versions": "python {}\n"}


@pytest.mark.parametrize("how", ["theirs", "sticky"])
@pytest.mark.parametrize("name", [".python-version", ".python-versions", ".tool-versions"])
def test_a_planted_version_file_naming_a_path_is_not_run(
    machine: Machine, name: str, how: str
) -> None:
    mark = machine.root / "RAN"
    evil = tripwire(machine.root / "evil" / "python3", mark, machine.python)
    folder = stranger_dir(machine.root / "work", how)
    text = VERSION_FILE_TEXT.get(name, "{}\n").format(evil)
    planted = plant_as_other_user(folder, name, text)
    answer = machine.explained("find", path=planted, why="not used: owned by uid 65534")
    assert answer["interpreter"]["path"] == str(machine.python)
    assert not mark.exists()  # never run, not even probed


@pytest.mark.parametrize("how", ["theirs", "sticky"])
def test_a_planted_project_venv_is_not_run(machine: Machine, how: str) -> None:
    mark = machine.root / "RAN"
    venv = planted_venv(stranger_dir(machine.root / "work", how), mark, machine.python)
    why = "not used: owned by uid 65534"
    answer = machine.explained("find", "3.12", path=venv, why=why)
    assert answer["interpreter"]["path"] == str(machine.python)
    assert str(venv / "bin" / "python") not in [c["path"] for c in answer["candidates"]]
    listed = machine.explained("list", path=venv, why=why)
    assert [i["path"] for i in listed["interpreters"]] == [str(machine.python)]
    assert not mark.exists()


@pytest.mark.parametrize("tool", ["pdm", "uv-workspace"])
def test_a_planted_project_file_is_not_used(machine: Machine, tool: str) -> None:
    """pdm's ``.pdm-python`` names the interpreter to run; a uv workspace root above the
    user's own project makes its ``.venv`` the project's."""
    mark = machine.root / "RAN"
    folder = stranger_dir(machine.root / "work", "theirs")
    if tool == "pdm":
        evil = tripwire(machine.root / "evil" / "bin" / "python", mark, machine.python)
        (machine.root / "evil" / "pyvenv.cfg").write_text("home = /usr/bin\n")
        planted = plant_as_other_user(folder, "pyproject.toml", "[project]\nname = 'x'\n")
        plant_as_other_user(folder, ".pdm-python", f"{evil}\n")
    else:
        (machine.cwd / "pyproject.toml").write_text("[project]\nname = 'mine'\n")
        planted = plant_as_other_user(
            folder, "pyproject.toml", "[tool.uv.workspace]\nmembers = ['sub']\n"
        )
        plant_as_other_user(folder, "uv.lock", "")
        planted_venv(folder, mark, machine.python)
    answer = machine.explained("find", path=planted, why="not used: owned by uid 65534")
    assert answer["interpreter"]["path"] == str(machine.python)
    envs = machine.cli("envs", "--json")  # its default project: not the planted one
    assert envs.returncode == 0, envs.stderr
    listed = json.loads(envs.stdout)
    assert listed["project"] != str(folder)
    assert str(folder / ".venv" / "bin" / "python") not in str(listed["environments"])
    if tool == "pdm":  # the walk to the default project passed it over
        assert f"{planted}: not used: owned by uid 65534" in envs.stderr
    assert not mark.exists()


@pytest.mark.parametrize("how", ["theirs", "writable"])
def test_a_tool_file_another_user_controls_in_the_users_project(machine: Machine, how: str) -> None:
    """The project directory found walking up is the user's, but its ``.pdm-python`` (which
    names the interpreter to run) is another user's (unpacked as root, say) or anyone's to
    rewrite (mode 666): not used."""
    mark = machine.root / "RAN"
    evil = tripwire(machine.root / "evil" / "bin" / "python", mark, machine.python)
    (machine.root / "evil" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (machine.cwd / "pyproject.toml").write_text("[project]\nname = 'mine'\n")
    saved = machine.cwd / ".pdm-python"
    if how == "theirs":
        theirs = stranger_dir(machine.root / "theirs", "theirs")
        os.rename(plant_as_other_user(theirs, ".pdm-python", f"{evil}\n"), saved)
    else:
        saved.write_text(f"{evil}\n")
        saved.chmod(0o666)
    why = "not used: owned by uid 65534" if how == "theirs" else "not used: writable by others"
    answer = machine.explained("find", path=saved, why=why)
    assert answer["interpreter"]["path"] == str(machine.python)
    envs = machine.cli("envs", "--json")
    assert str(evil) not in envs.stdout, envs.stdout
    assert not mark.exists()


def test_a_link_to_a_planted_file_is_not_used(machine: Machine) -> None:
    """The user's own link, in their own directory, to a file another user may change."""
    mark = machine.root / "RAN"
    evil = tripwire(machine.root / "evil" / "python3", mark, machine.python)
    planted = plant_as_other_user(stranger_dir(machine.root / "theirs", "theirs"), "v", f"{evil}\n")
    link = machine.root / "work" / ".python-version"
    link.symlink_to(planted)
    why = "not used: a link to a file owned by uid 65534"
    assert machine.explained("find", path=link, why=why)["interpreter"]["path"] == str(
        machine.python
    )
    assert not mark.exists()


def test_files_in_a_directory_others_can_write_are_not_used(machine: Machine) -> None:
    """Even the user's own file (root's here) is not used in a world-writable directory:
    anyone could have put it there, or will replace it."""
    mark = machine.root / "RAN"
    evil = tripwire(machine.root / "evil" / "python3", mark, machine.python)
    folder = stranger_dir(machine.root / "work", "sticky")
    (folder / ".python-version").write_text(f"{evil}\n")
    why = "not used: in a directory others can write"
    machine.explained("find", path=folder / ".python-version", why=why)
    assert not mark.exists()


def test_the_users_own_files_are_used_below_planted_ones(machine: Machine) -> None:
    """The user's own files in their own directory are used, though the directory above it
    is world-writable and holds a planted version file: the search goes on past that."""
    mark = machine.root / "RAN"
    evil = tripwire(machine.root / "evil" / "python3", mark, machine.python)
    folder = stranger_dir(machine.root / "work", "sticky")
    planted = plant_as_other_user(folder, ".python-version", f"{evil}\n")
    own = fake_python(machine.cwd / ".venv" / "bin" / "python", "3.12.7")
    (machine.cwd / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.12.7\n")
    answer = machine.explained("find", path=planted, why="not used: owned by uid 65534")
    assert answer["interpreter"]["path"] == str(own)
    assert not mark.exists()
    (machine.cwd / ".python-version").write_text(f"{evil}\n")  # now the user's own file
    done = machine.cli("find", "--explain")
    assert done.returncode == 0, done.stderr
    assert f"(asked by {machine.cwd / '.python-version'})" in done.stdout
    assert mark.exists()


@pytest.mark.parametrize("setting", ["*", "work", "root"])
def test_safe_directories_lift_the_rule(machine: Machine, setting: str) -> None:
    """``WHICHPYTHON_SAFE_DIRECTORIES`` (a shared setup's opt-out) covers the directories it
    lists and those below them, or all with ``*``."""
    mark = machine.root / "RAN"
    evil = tripwire(machine.root / "evil" / "python3", mark, machine.python)
    folder = stranger_dir(machine.root / "work", "theirs")
    planted = plant_as_other_user(folder, ".python-version", f"{evil}\n")
    machine.explained("find", path=planted, why="not used: owned by uid 65534")
    assert not mark.exists()
    named = {"*": "*", "work": str(folder), "root": f"/nonexistent:{machine.root}/"}
    machine.environ["WHICHPYTHON_SAFE_DIRECTORIES"] = named[setting]
    done = machine.cli("find", "--explain")
    assert done.returncode == 0, done.stderr
    assert f"(asked by {planted})" in done.stdout
    assert "files not read:" not in done.stdout
    assert mark.exists()


def test_the_library_names_planted_files_when_nothing_matches(
    machine: Machine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from whichpython.model.errors import InterpreterNotFound
    from whichpython.model.models import Skipped

    isolate_machine(monkeypatch, machine.root)
    folder = stranger_dir(machine.root / "work", "theirs")
    planted = plant_as_other_user(folder, ".python-version", "3.99\n")
    search = Discovery(environ=machine.environ, cwd=str(machine.cwd), root=str(machine.root))
    with pytest.raises(InterpreterNotFound) as raised:
        search.find("3.98")
    assert raised.value.skipped == [Skipped(str(planted), "not used: owned by uid 65534")]
    assert search.find().version_file is None


@pytest.mark.parametrize("change", ["chown-file", "chown-dir", "chmod-dir"])
def test_a_recorded_answer_does_not_outlive_trust(machine: Machine, change: str) -> None:
    """An answer recorded while the version file was trusted is not replayed once it is
    not: the owner and mode of the file and of its directory are part of its witnesses."""
    fake_python(machine.root / "opt" / "bin" / "python3.11", "3.11.2")
    machine.environ["PATH"] += os.pathsep + str(machine.root / "opt" / "bin")
    folder = machine.root / "work"
    (folder / ".python-version").write_text("3.11\n")
    for _ in range(8):  # probed, then recorded (retried: a file touched meanwhile prevents it)
        done = machine.cli("find")
        assert done.stdout.strip().endswith("python3.11"), done.stderr
        if recorded_answers(machine.root / "cache" / "answers"):
            break
    assert recorded_answers(machine.root / "cache" / "answers")
    if change == "chown-file":
        os.chown(folder / ".python-version", OTHER_UID, OTHER_UID)
    elif change == "chown-dir":
        os.chown(folder, OTHER_UID, OTHER_UID)
    else:
        folder.chmod(0o777)
    done = machine.cli("find")
    assert done.stdout.strip() == str(machine.python), done.stderr


# -- what a TOML file may cost (issue 21) -----------------------------------------------------

#: TOML a config file may be planted with: cheap to write, costly to parse with tomllib
#: (quadratic in a dotted key's parts: 80 KB needs > 6 GB), or with a value that int() refuses.
COSTLY_TOML = {
    "dotted-80kb": ".".join(["a"] * 40_000) + " = 1\n",
    "dotted-10k-parts": ".".join(["a"] * 10_000) + " = 1\n",
    "header-10k-parts": "[" + ".".join(["a"] * 10_000) + "]\nx = 1\n",
    "int-5000-digits": "[tool.uv.workspace]\nmembers = " + "1" * 5000 + "\n",
}
TOML_REASONS = {
    "dotted-80kb": "holds 39999 dots and brackets, more than the 16384 a config file needs "
    "(not parsed: its tables would cost too much)",
    "dotted-10k-parts": "has a dotted key of more than 64 parts (not parsed)",
    "header-10k-parts": "has a dotted key of more than 64 parts (not parsed)",
    "int-5000-digits": "holds a value Python will not read "
    "(Exceeds the limit (4300 digits) for integer string conversion)",
}


def skip_linear_on_subset(kind: str) -> None:
    if sys.version_info < (3, 11) and kind.startswith(("dotted-10k", "header")):
        pytest.skip("the subset reader of 3.9/3.10 is linear in a key's parts: nothing refused")


@pytest.mark.parametrize("where", ["pyproject", "HATCH_CONFIG"])
@pytest.mark.parametrize("kind", list(COSTLY_TOML))
def test_a_costly_toml_file_is_refused_with_its_reason(
    machine: Machine, kind: str, where: str
) -> None:
    """A project's pyproject.toml or a tool's config that would cost seconds and gigabytes
    to parse, or holds an integer Python will not read, is not used: ``--explain`` names it
    and why, and the search goes on (a traceback or a 6 GB parse on today's main)."""
    skip_linear_on_subset(kind)
    if where == "pyproject":
        bad = machine.cwd / "pyproject.toml"
    else:
        bad = machine.root / "configs" / f"{where.lower()}.toml"
        bad.parent.mkdir()
        machine.environ[where] = str(bad)
    bad.write_text(COSTLY_TOML[kind])
    answer = machine.explained("find", path=bad, why=TOML_REASONS[kind])
    assert answer["interpreter"]["path"] == str(machine.python)


@pytest.mark.parametrize("kind", list(COSTLY_TOML))
def test_a_costly_pdm_config_is_refused(tmp_path: Path, kind: str) -> None:
    """``$PDM_CONFIG_FILE`` (read by ``envs`` for pdm's venv dir): refused with its reason,
    and pdm's default dir used."""
    skip_linear_on_subset(kind)
    from whichpython.sources.base import Context
    from whichpython.sources.pdm import venv_location

    bad = tmp_path / "pdm.toml"
    bad.write_text(COSTLY_TOML[kind])
    ctx = Context(environ={"PDM_CONFIG_FILE": str(bad), "HOME": str(tmp_path)}, cwd="/")
    assert venv_location(ctx) == str(tmp_path / ".local" / "share" / "pdm" / "venvs")
    assert ctx.skipped == [(str(bad), TOML_REASONS[kind])]


@pytest.mark.parametrize("kind", list(COSTLY_TOML))
def test_reading_a_costly_toml_file_is_bounded(tmp_path: Path, kind: str) -> None:
    """The bounded-cost check of issue 21: each pathological TOML file is read (and refused)
    in under 2 s and 256 MB peak RSS (today's main: 6.8 s and 416 MB for 10k parts, a
    MemoryError under the 4 GB cap for 80 KB, a ValueError for the integer)."""
    skip_linear_on_subset(kind)
    bad = tmp_path / "pyproject.toml"
    bad.write_text(COSTLY_TOML[kind])
    code = (
        "from whichpython.sources.base import Context\n"
        "from whichpython.sources.layout import read_toml\n"
        f"ctx = Context(environ={{}}, cwd={str(tmp_path)!r})\n"
        f"assert read_toml({str(bad)!r}, ctx) == {{}}\n"
        "assert len(ctx.skipped) == 1, ctx.skipped\n"
    )
    seconds, peak = measure_cost(code)
    assert seconds < 2 and peak < 256, (seconds, peak)


# -- uv workspace globs (issue 21) ------------------------------------------------------------

#: ``members`` globs that hung ``find`` (each ``**`` tried every split: exponential) or raised
#: RecursionError (one frame per part) on today's main.
COSTLY_GLOBS = {"nomatch": "**/" * 26 + "nomatch", "recursion": "**/" * 1500}


def deep_member(root: Path, globs: list[str]) -> Path:
    """A uv workspace at ``root`` with ``members = globs`` and a project 10 levels below."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(f"[tool.uv.workspace]\nmembers = {json.dumps(globs)}\n")
    member = root.joinpath(*"abcdefghij")
    member.mkdir(parents=True)
    (member / "pyproject.toml").write_text('[project]\nname = "member"\n')
    return member


@pytest.mark.parametrize("kind", list(COSTLY_GLOBS))
def test_a_costly_workspace_glob_does_not_hang_find(machine: Machine, kind: str) -> None:
    """``find`` in a deep member of a workspace whose ``members`` glob is hostile answers
    at once (today's main: a hang, or a RecursionError traceback)."""
    machine.cwd = deep_member(machine.root / "work", [COSTLY_GLOBS[kind]])
    done = machine.cli("find", "--explain")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == str(machine.python)


def test_workspace_globs_collapse_and_match_as_before(tmp_path: Path) -> None:
    """Consecutive ``**`` are one: ``**/``*1500 takes every member, ``**/``*26 + nomatch
    none, a plain glob its own; a glob of more than 64 parts matches nothing."""
    from whichpython.sources.uv import workspace_root

    member = deep_member(tmp_path / "a", [COSTLY_GLOBS["recursion"]])
    assert workspace_root(str(member)) == str(tmp_path / "a")
    member = deep_member(tmp_path / "b", [COSTLY_GLOBS["nomatch"]])
    assert workspace_root(str(member)) == str(member)
    member = deep_member(tmp_path / "c", ["a/b/*/d/**/j"])
    assert workspace_root(str(member)) == str(tmp_path / "c")
    member = deep_member(tmp_path / "d", ["/".join(["*"] * 9 + ["**"] * 56 + ["j"])])
    assert workspace_root(str(member)) == str(tmp_path / "d")  # 11 parts once collapsed
    member = deep_member(tmp_path / "e", ["/".join(["*", "x"] * 32 + ["**"])])
    assert workspace_root(str(member)) == str(member)  # 65 parts


def test_matching_costly_workspace_globs_is_bounded(tmp_path: Path) -> None:
    """The bounded-cost check of issue 21: both globs, for a member 10 levels deep, are
    decided in under 2 s and 256 MB."""
    member = deep_member(tmp_path, list(COSTLY_GLOBS.values()))
    code = (
        "from whichpython.sources.uv import workspace_root\n"
        f"assert workspace_root({str(member)!r}) == {str(tmp_path)!r}\n"
    )
    seconds, peak = measure_cost(code, timeout=30)
    assert seconds < 2 and peak < 256, (seconds, peak)
