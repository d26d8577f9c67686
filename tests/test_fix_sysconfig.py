"""Corrected sysconfig for relocated installs, and ``fix-sysconfig`` (docs/relocated-sysconfig.md).

The relocated install is a python-build-standalone look-alike built from pyenv 3.12
(conftest.standalone_lookalike): its sysconfig says ``/install`` and ``/tools/llvm/bin/clang``.
"""

import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import (
    BUILD_PREFIX,
    make_venv,
    pyenv_python,
    run_cli,
    self_report,
    standalone_lookalike,
)
from whichpython import inspect_interpreter
from whichpython.facts.fixes import Relocation, correct_value, rebase

# Builds a C extension the way distutils/setuptools do, from the interpreter's own config vars.
BUILD_EXTENSION = r"""
import os, shlex, subprocess, sys, sysconfig
var = sysconfig.get_config_var
work = sys.argv[1]
source = os.path.join(work, "spam.c")
with open(source, "w") as handle:
    handle.write('#include <Python.h>\n'
                 'static struct PyModuleDef m = {PyModuleDef_HEAD_INIT, "spam"};\n'
                 'PyMODINIT_FUNC PyInit_spam(void) { return PyModule_Create(&m); }\n')
obj = os.path.join(work, "spam.o")
subprocess.run(shlex.split(var("CC")) + shlex.split(var("CFLAGS")) + shlex.split(var("CCSHARED"))
               + ["-I" + var("INCLUDEPY"), "-c", source, "-o", obj], check=True)
target = os.path.join(work, "spam" + var("EXT_SUFFIX"))
subprocess.run(shlex.split(var("LDSHARED")) + [obj, "-o", target], check=True)
sys.path.insert(0, work)
import spam
print(spam.__file__)
"""


@pytest.fixture
def standalone(tmp_path: Path) -> Path:
    return standalone_lookalike("3.12.1", tmp_path / "cpython-3.12.1-linux-x86_64-gnu")


def _prefix(python: Path) -> Path:
    return python.parent.parent


def test_relocated_install_reports_corrected_sysconfig(standalone: Path) -> None:
    prefix = _prefix(standalone)
    found = inspect_interpreter(standalone, cache=False)
    config = found.sysconfig
    assert config["LIBDIR"] == str(prefix / "lib")
    assert config["INCLUDEPY"] == str(prefix / "include" / "python3.12")
    assert config["LIBPL"] == str(prefix / "lib" / "python3.12" / "config-3.12-x86_64-linux-gnu")
    assert config["prefix"] == str(prefix)
    assert config["CC"] == "cc"
    assert config["CXX"] == "c++"
    assert config["AR"] == "ar"
    assert str(config["LDSHARED"]).startswith("cc ")
    assert not any(BUILD_PREFIX + "/" in str(v) or v == BUILD_PREFIX for v in config.values())
    changes = {fix.var: fix for fix in found.sysconfig_corrections}
    assert changes["LIBDIR"].was == "/install/lib"
    assert changes["LIBDIR"].now == str(prefix / "lib")
    assert "/install does not exist" in changes["LIBDIR"].reason
    assert changes["CC"].was == "/tools/llvm/bin/clang"
    assert "not on this machine" in changes["CC"].reason
    # The raw values stay available, and they are what the interpreter itself reports.
    raw = self_report(
        str(standalone), "import sysconfig, json; print(json.dumps(sysconfig.get_config_vars()))"
    )
    assert {k: v for k, v in found.raw_sysconfig.items() if v is not None} == {
        k: v for k, v in json.loads(raw).items() if k in found.sysconfig and v is not None
    }


def test_corrections_in_json_and_text(standalone: Path) -> None:
    shown = run_cli("inspect", "--json", "--no-cache", str(standalone))
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert data["sysconfig"]["LIBDIR"] == str(_prefix(standalone) / "lib")
    assert {"var": "CC", "was": "/tools/llvm/bin/clang", "now": "cc"}.items() <= next(
        fix for fix in data["sysconfig_corrections"] if fix["var"] == "CC"
    ).items()
    text = run_cli("inspect", "--no-cache", str(standalone)).stdout
    assert "relocated:" in text and "values corrected" in text


@pytest.mark.parametrize("which", ["pyenv", "debian", "copy-of-existing", "venv"])
def test_installs_that_are_not_relocated_get_no_corrections(
    which: str, tmp_path: Path, copy312: Path
) -> None:
    if which == "pyenv":
        python = pyenv_python("3.12.1")
    elif which == "debian":
        python = Path("/usr/bin/python3.11")
        if not python.exists():
            pytest.skip("Debian python3.11 is not installed")
    elif which == "copy-of-existing":
        python = copy312 / "bin" / "python3.12"  # its build prefix (the original) exists
    else:
        python = make_venv(str(pyenv_python("3.12.1")), tmp_path / "env")
    found = inspect_interpreter(python, cache=False)
    assert found.sysconfig_corrections == []
    assert found.raw_sysconfig == found.sysconfig


def test_a_venv_of_a_relocated_install_gets_the_base_corrections(
    standalone: Path, tmp_path: Path
) -> None:
    venv = make_venv(str(standalone), tmp_path / "env")
    found = inspect_interpreter(venv, cache=False)
    assert found.sysconfig["LIBDIR"] == str(_prefix(standalone) / "lib")
    assert found.sysconfig["CC"] == "cc"


def test_fix_sysconfig_rewrites_the_install(standalone: Path, tmp_path: Path) -> None:
    prefix = _prefix(standalone)
    data_file = next((prefix / "lib" / "python3.12").glob("_sysconfigdata*.py"))
    original = data_file.read_text()
    work = tmp_path / "ext"
    work.mkdir()
    before = subprocess.run(
        [str(standalone), "-c", BUILD_EXTENSION, str(work)], capture_output=True, text=True
    )
    assert before.returncode != 0  # the build box's /tools/llvm/bin/clang is not here

    dry = run_cli("fix-sysconfig", "--dry-run", str(standalone))
    assert dry.returncode == 0, dry.stderr
    assert "would change" in dry.stdout and "LIBDIR" in dry.stdout
    assert data_file.read_text() == original

    fixed = run_cli("fix-sysconfig", "--json", str(standalone))
    assert fixed.returncode == 0, fixed.stderr
    report = json.loads(fixed.stdout)
    assert report["build_prefix"] == BUILD_PREFIX
    files = {entry["path"]: entry for entry in report["files"]}
    assert str(data_file) in files
    assert Path(files[str(data_file)]["backup"]).read_text() == original
    assert any(path.endswith(".pc") for path in files)

    asked = self_report(
        str(standalone),
        "import sysconfig as s; print(s.get_config_var('LIBDIR')); print(s.get_config_var('CC'))",
    ).split()
    assert asked == [str(prefix / "lib"), "cc"]
    built = subprocess.run(
        [str(standalone), "-c", BUILD_EXTENSION, str(work)], capture_output=True, text=True
    )
    assert built.returncode == 0, built.stderr
    assert built.stdout.strip().startswith(str(work))

    # whichpython now sees an install with nothing left to correct (the cache noticed).
    assert inspect_interpreter(standalone).sysconfig_corrections == []
    rewritten = data_file.read_text()
    again = run_cli("fix-sysconfig", str(standalone))
    assert again.returncode == 0, again.stderr
    assert "nothing to change" in again.stdout
    assert data_file.read_text() == rewritten


def test_fixed_pkg_config_files_are_relocatable(standalone: Path) -> None:
    pkg_config = shutil.which("pkg-config")
    if pkg_config is None:
        pytest.skip("pkg-config is not installed")
    prefix = _prefix(standalone)
    assert run_cli("fix-sysconfig", str(standalone)).returncode == 0
    env = dict(os.environ, PKG_CONFIG_PATH=str(prefix / "lib" / "pkgconfig"))
    flags = subprocess.run(
        [pkg_config, "--cflags", "--libs", "python-3.12-embed"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout.split()
    include = next(flag[2:] for flag in flags if flag.startswith("-I"))
    assert os.path.realpath(include) == str(prefix / "include" / "python3.12")
    assert f"-L{prefix / 'lib'}" in flags


@pytest.mark.parametrize("which", ["venv", "not-relocated"])
def test_fix_sysconfig_refuses(which: str, standalone: Path, tmp_path: Path) -> None:
    if which == "venv":
        target = make_venv(str(standalone), tmp_path / "env")
        expected = "is a venv; fix its base interpreter instead"
    else:
        target = pyenv_python("3.12.1")
        expected = "not relocated: its sysconfig prefix"
    result = run_cli("fix-sysconfig", str(target))
    assert result.returncode == 1
    assert result.stderr.startswith(f"whichpython: error: {target}: {expected}")
    assert "Traceback" not in result.stderr


def test_fix_sysconfig_refuses_a_read_only_install(standalone: Path) -> None:
    """The install is bind-mounted read-only in a private mount namespace (root ignores
    file modes, not a read-only mount)."""
    prefix = _prefix(standalone)
    data_file = next((prefix / "lib" / "python3.12").glob("_sysconfigdata*.py"))
    original = data_file.read_text()
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("unshare is not available")
    script = (
        f"mount --bind {prefix} {prefix} && mount -o remount,bind,ro {prefix} || exit 99; "
        f'"$0" -m whichpython fix-sysconfig --no-cache {standalone}'
    )
    result = subprocess.run(
        [unshare, "-m", "sh", "-c", script, sys.executable], capture_output=True, text=True
    )
    if result.returncode == 99 or "unshare failed" in result.stderr:
        pytest.skip("cannot make a read-only mount here")
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip() == (
        f"whichpython: error: {data_file}: is read-only here; nothing was changed"
    )
    assert data_file.read_text() == original


def test_rebase_touches_whole_path_components_only() -> None:
    assert rebase("/install/lib", "/install", "/opt/py") == "/opt/py/lib"
    assert rebase("-L/install/lib -I/install/include", "/install", "/x") == "-L/x/lib -I/x/include"
    assert rebase("--prefix=/install", "/install", "/x") == "--prefix=/x"
    assert rebase("-Wl,-rpath,/install/lib", "/install", "/x") == "-Wl,-rpath,/x/lib"
    assert rebase("/installer/lib /opt/install/lib", "/install", "/x") == (
        "/installer/lib /opt/install/lib"
    )


def test_compiler_and_sysroot_rules() -> None:
    moved = Relocation("/install", "/real", (("/install", "/real"),))
    here = {"cc": "/usr/bin/cc", "gcc": "/usr/bin/gcc"}.get
    new, reasons = correct_value("CC", "gcc -pthread", moved, which=here)
    assert (new, reasons) == ("gcc -pthread", [])  # a compiler that exists here stays
    new, _ = correct_value("LDCXXSHARED", "clang++ -shared", moved, which=here)
    assert new == "c++ -shared"
    sdk = "/Applications/Xcode-nowhere.app/SDKs/MacOSX.sdk"
    new, reasons = correct_value("CFLAGS", f"-O2 -isysroot {sdk} -I/install/include", moved)
    assert new == "-O2 -I/real/include"
    assert any("-isysroot" in reason for reason in reasons)
    new, _ = correct_value("CFLAGS", "-isysroot / -O2", moved)
    assert new == "-isysroot / -O2"  # a sysroot that exists here stays


# -- no data loss: backups written whole, the set of files changed as one journaled step -------

BACKUP = ".whichpython-backup"

#: Runs ``fix-sysconfig`` and SIGKILLs itself right after its Nth change to a name inside the
#: install (a file created, renamed, replaced, unlinked), or (N = "first-file") right after
#: the first sysconfig data or .pc file itself is replaced: a kill at a chosen point, with no
#: hook in the code under test.
KILL_AT = r"""
import os, signal, sys
when, prefix, python = sys.argv[1], sys.argv[2], sys.argv[3]
done = [0]

def counts(args):
    if when != "first-file":
        if len(args) > 1 and isinstance(args[1], int):  # os.open: only a file created
            args = args[:1] if args[1] & os.O_CREAT else ()
        return any(isinstance(a, str) and a.startswith(prefix) for a in args)
    target = args[-1] if len(args) == 2 and isinstance(args[-1], str) else ""
    name = os.path.basename(target)
    return (target.startswith(prefix) and ".whichpython" not in name
            and (name.endswith(".pc") or name.startswith("_sysconfigdata")))

def counted(real):
    def call(*args, **kwargs):
        result = real(*args, **kwargs)
        if counts(args):
            done[0] += 1
            if done[0] == (1 if when == "first-file" else int(when)):
                os.kill(os.getpid(), signal.SIGKILL)
        return result
    return call

for name in ("replace", "rename", "unlink", "remove", "open"):
    setattr(os, name, counted(getattr(os, name)))
from whichpython.cli import main
sys.exit(main(["fix-sysconfig", "--no-cache", python]))
"""


def _snapshot(prefix: Path) -> dict[str, object]:
    """The files fix-sysconfig may touch (the sysconfig data, the pkgconfig dir) and whatever
    it leaves beside them: name -> content (bytes) or link target (str)."""
    stdlib = prefix / "lib" / "python3.12"
    found = [p for p in stdlib.iterdir() if p.name.startswith(("_sysconfigdata", ".whichpython"))]
    found += list((prefix / "lib" / "pkgconfig").iterdir())
    return {
        str(p.relative_to(prefix)): os.readlink(p) if p.is_symlink() else p.read_bytes()
        for p in found
    }


def _restore(prefix: Path, snapshot: dict[str, object]) -> None:
    for name in _snapshot(prefix):
        (prefix / name).unlink()
    for name, content in snapshot.items():
        if isinstance(content, str):
            (prefix / name).symlink_to(content)
        else:
            assert isinstance(content, bytes)
            (prefix / name).write_bytes(content)


def _fixed_and_undone(standalone: Path) -> tuple[Path, dict[str, object], dict[str, object]]:
    """Fix the install once to learn the fixed state, then put the original back: the
    install's prefix, its files before and after a whole fix."""
    prefix = _prefix(standalone)
    before = _snapshot(prefix)
    assert run_cli("fix-sysconfig", "--no-cache", str(standalone)).returncode == 0
    after = _snapshot(prefix)
    _restore(prefix, before)
    return prefix, before, after


def _kill_at(when: str, standalone: Path) -> "subprocess.CompletedProcess[str]":
    prefix = str(_prefix(standalone))
    return subprocess.run(
        [sys.executable, "-c", KILL_AT, when, prefix, str(standalone)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_kill_at_any_step_leaves_each_file_old_or_new_and_a_rerun_finishes(
    standalone: Path,
) -> None:
    prefix, before, after = _fixed_and_undone(standalone)
    assert any(name.endswith(".pc" + BACKUP) for name in after)  # each file fixed, backed up
    step = 0
    while True:
        step += 1
        assert step < 60, "the run never ended"
        _restore(prefix, before)
        killed = _kill_at(str(step), standalone)
        if killed.returncode == 0:
            break
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        now = _snapshot(prefix)
        for name in before.keys() | after.keys():
            if name.endswith(BACKUP):  # a backup is the whole original or absent
                assert now.get(name) in (None, after[name]), (step, name)
            else:  # each file is its old or its new version, never a mix
                assert now.get(name) in (before.get(name), after.get(name)), (step, name)
        again = run_cli("fix-sysconfig", "--no-cache", str(standalone))
        assert again.returncode == 0, (step, again.stderr)
        assert _snapshot(prefix) == after, f"killed after step {step}"
        journal = "lib/python3.12/.whichpython-fix-sysconfig.json" in now
        assert ("interrupted" in again.stdout) == journal, (step, again.stdout)
    assert _snapshot(prefix) == after
    assert step > 5  # there were kill points: backups, journal, each file, the cleanup


def test_a_kill_between_files_is_finished_by_the_next_run(standalone: Path) -> None:
    """The issue's case: killed after the first file; a rerun said "nothing to change" and
    left the .pc files at /install for ever."""
    prefix, before, after = _fixed_and_undone(standalone)
    killed = _kill_at("first-file", standalone)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert _snapshot(prefix) != before  # one file was changed when it was killed
    dry = run_cli("fix-sysconfig", "--dry-run", "--no-cache", str(standalone))
    assert dry.returncode == 0, dry.stderr
    assert "interrupted" in dry.stdout
    again = run_cli("fix-sysconfig", "--no-cache", str(standalone))
    assert again.returncode == 0, again.stderr
    assert "nothing to change" not in again.stdout
    assert _snapshot(prefix) == after
    for pc_file in (prefix / "lib" / "pkgconfig").glob("*.pc"):
        assert f"={BUILD_PREFIX}" not in pc_file.read_text(), pc_file


def test_an_interrupted_fix_whose_new_files_are_gone_is_undone_then_done(
    standalone: Path,
) -> None:
    prefix, _, after = _fixed_and_undone(standalone)
    assert _kill_at("first-file", standalone).returncode == -signal.SIGKILL
    staged = [p for p in prefix.glob("lib/*/*.whichpython-new")]
    assert staged  # the new versions not yet in place
    for path in staged:
        path.unlink()
    again = run_cli("fix-sysconfig", "--no-cache", str(standalone))
    assert again.returncode == 0, again.stderr
    assert "undid the fix-sysconfig interrupted earlier" in again.stdout
    assert _snapshot(prefix) == after


#: Raises ENOSPC from the first write (or fsync) to a backup, as a full disk does.
def _full_disk_at(step: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def to_backup(fd: int) -> bool:
        try:
            return BACKUP in os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            return False

    def failing(real: Any, fd_arg: int) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            if to_backup(args[fd_arg]):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return real(*args, **kwargs)

        return call

    names = ["fsync"] if step == "fsync" else ["write", "sendfile", "copy_file_range"]
    for name in names:
        if hasattr(os, name):
            monkeypatch.setattr(os, name, failing(getattr(os, name), 0))


@pytest.mark.parametrize("step", ["write", "fsync", "file-size-limit"])
def test_a_failed_backup_changes_nothing_and_is_not_trusted_later(
    standalone: Path, step: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC while the backup is written (the old code left a 0-byte backup that the next run
    accepted), or a real short write: the process's file size limit (RLIMIT_FSIZE, EFBIG)."""
    prefix = _prefix(standalone)
    before = _snapshot(prefix)
    data_file = next((prefix / "lib" / "python3.12").glob("_sysconfigdata*.py"))
    if step == "file-size-limit":
        # The interpreter's own first run writes its bytecode (under the limit: cut short).
        assert run_cli("inspect", "--no-cache", str(standalone)).returncode == 0
        limited = (
            "import resource, signal, sys\n"
            "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
            "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.RLIM_INFINITY))\n"
            "from whichpython.cli import main\n"
            "sys.exit(main(sys.argv[1:]))\n"
        )
        failed = subprocess.run(
            [sys.executable, "-c", limited, "fix-sysconfig", "--no-cache", str(standalone)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert failed.returncode == 1, failed.stderr
        message, cause = failed.stderr.strip(), "File too large"
    else:
        from whichpython.engine.repair import fix_sysconfig
        from whichpython.model.errors import Refused

        _full_disk_at(step, monkeypatch)
        with pytest.raises(Refused) as refused:
            fix_sysconfig(standalone)
        monkeypatch.undo()
        message, cause = f"whichpython: error: {refused.value}", "No space left on device"
    assert _snapshot(prefix) == before  # no file changed, no backup (whole or partial) left
    again = run_cli("fix-sysconfig", "--no-cache", str(standalone))
    assert again.returncode == 0, again.stderr
    backup = Path(str(data_file) + BACKUP)
    assert backup.read_bytes() == before[str(data_file.relative_to(prefix))]
    for name, content in before.items():
        if name.endswith(".pc") and isinstance(content, bytes):
            assert (prefix / (name + BACKUP)).read_bytes() == content
    assert message.startswith(f"whichpython: error: {data_file}{BACKUP}: ")
    assert message.endswith(f"could not be written ({cause}); nothing was changed")
    assert "\n" not in message


@pytest.mark.parametrize("kind", ["empty", "other-content"])
def test_a_bad_backup_is_not_trusted_but_rewritten(standalone: Path, kind: str) -> None:
    prefix = _prefix(standalone)
    data_file = next((prefix / "lib" / "python3.12").glob("_sysconfigdata*.py"))
    original = data_file.read_bytes()
    backup = Path(str(data_file) + BACKUP)
    backup.write_bytes(b"" if kind == "empty" else b"build_time_vars = {'prefix': '/elsewhere'}\n")
    size = backup.stat().st_size
    done = run_cli("fix-sysconfig", "--no-cache", str(standalone))
    assert done.returncode == 0, done.stderr
    assert backup.read_bytes() == original
    assert data_file.read_bytes() != original
    assert f"{backup}: did not hold this file's content ({size} bytes); rewritten" in done.stdout


def test_one_fix_of_an_install_at_a_time(standalone: Path) -> None:
    import fcntl

    prefix = _prefix(standalone)
    before = _snapshot(prefix)
    stdlib = prefix / "lib" / "python3.12"
    fd = os.open(stdlib, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # as a fix-sysconfig running now holds it
        busy = run_cli("fix-sysconfig", "--no-cache", str(standalone))
    finally:
        os.close(fd)
    assert busy.returncode == 1
    assert busy.stderr == (
        f"whichpython: error: {stdlib}: another fix-sysconfig is changing this install; "
        "nothing was changed\n"
    )
    assert _snapshot(prefix) == before
    assert run_cli("fix-sysconfig", "--no-cache", str(standalone)).returncode == 0


def test_a_failed_rename_half_way_is_undone_at_once(
    standalone: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rename that fails after another file was replaced (EIO): the replaced file gets its
    old content back before the run reports the error."""
    from whichpython.engine.repair import fix_sysconfig
    from whichpython.model.errors import Refused

    prefix = _prefix(standalone)
    before = _snapshot(prefix)
    real, replaced = os.replace, []

    def failing_second(source: Any, target: Any) -> None:
        name = os.path.basename(target)
        if ".whichpython" not in name and name.endswith((".pc", ".py")):
            replaced.append(str(target))
            if len(replaced) == 2:
                raise OSError(errno.EIO, os.strerror(errno.EIO))
        real(source, target)

    monkeypatch.setattr(os, "replace", failing_second)
    with pytest.raises(Refused) as refused:
        fix_sysconfig(standalone)
    monkeypatch.undo()
    assert _snapshot(prefix) == before
    assert str(refused.value) == (
        f"{replaced[1]}: could not be replaced (Input/output error); nothing was changed"
    )


def test_a_file_changed_by_hand_after_a_kill_stops_the_rerun(standalone: Path) -> None:
    prefix = _prefix(standalone)
    assert _kill_at("first-file", standalone).returncode == -signal.SIGKILL
    journal = prefix / "lib" / "python3.12" / ".whichpython-fix-sysconfig.json"
    waiting = [
        Path(entry["path"])
        for entry in json.loads(journal.read_text())["files"]
        if Path(entry["staged"]).exists()
    ]
    edited = waiting[0]
    edited.write_text(edited.read_text() + "# edited by hand\n")
    before = _snapshot(prefix)
    again = run_cli("fix-sysconfig", "--no-cache", str(standalone))
    assert again.returncode == 1
    assert again.stderr.startswith(
        f"whichpython: error: {edited}: is neither the old nor the new version that the "
        f"interrupted fix-sysconfig recorded in {journal}; nothing was changed"
    )
    assert _snapshot(prefix) == before


def test_an_interrupted_fix_that_cannot_be_finished_now_is_one_line(
    standalone: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The install became read-only after the kill (EROFS): one line, and a later run that
    can write finishes the fix."""
    from whichpython.engine.repair import fix_sysconfig
    from whichpython.model.errors import Refused

    prefix, _, after = _fixed_and_undone(standalone)
    assert _kill_at("first-file", standalone).returncode == -signal.SIGKILL
    killed = _snapshot(prefix)

    def read_only(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(os, "replace", read_only)
    with pytest.raises(Refused) as refused:
        fix_sysconfig(standalone)
    monkeypatch.undo()
    journal = prefix / "lib" / "python3.12" / ".whichpython-fix-sysconfig.json"
    assert str(refused.value) == (
        f"{journal}: the interrupted fix-sysconfig it records could not be finished "
        "(Read-only file system)"
    )
    assert _snapshot(prefix) == killed
    assert run_cli("fix-sysconfig", "--no-cache", str(standalone)).returncode == 0
    assert _snapshot(prefix) == after


def test_an_interrupted_fix_is_not_undone_from_a_bad_backup(standalone: Path) -> None:
    prefix = _prefix(standalone)
    assert _kill_at("first-file", standalone).returncode == -signal.SIGKILL
    journal = prefix / "lib" / "python3.12" / ".whichpython-fix-sysconfig.json"
    entries = json.loads(journal.read_text())["files"]
    for entry in entries:
        Path(entry["staged"]).unlink(missing_ok=True)  # so it must be undone
    replaced = next(
        e
        for e in entries
        if hashlib.sha256(Path(e["path"]).read_bytes()).hexdigest() == e["new_sha256"]
    )
    Path(replaced["backup"]).write_bytes(b"")
    before = _snapshot(prefix)
    again = run_cli("fix-sysconfig", "--no-cache", str(standalone))
    assert again.returncode == 1
    assert again.stderr == (
        f"whichpython: error: {replaced['backup']}: does not hold the original that {journal} "
        "records, so the interrupted fix-sysconfig cannot be undone; nothing was changed\n"
    )
    assert _snapshot(prefix) == before
