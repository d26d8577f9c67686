"""The probe cache and recorded answers as an attacker or an unlucky user meets them: files of
another user, hand-edited entries, blind spots, failed probes, orphaned temp files."""

import json
import marshal
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import (
    fake_python,
    isolate_machine,
    machine_cli_env,
    make_venv,
    pyenv_python,
    recorded_answers,
    relocated_copy,
    require,
    run_cli,
)
from whichpython import ProbeTimeout, files, inspect_interpreter
from whichpython.cache.probes import Cache
from whichpython.engine.discovery import Discovery

NOBODY = 65534
root_only = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root (chown)"
)


@pytest.fixture(autouse=True)
def _fresh_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "_WARNED", set())


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_cache_files_are_private(cache_dir: Path) -> None:
    python = pyenv_python("3.12.1")
    inspect_interpreter(python)
    folder = cache_dir / "interpreters"
    assert (mode(cache_dir), mode(folder)) == (0o700, 0o700)
    names = os.listdir(folder)
    assert names and all(n.endswith(".json") for n in names)  # no lock or temp file left
    assert {oct(mode(folder / name)) for name in names} == {oct(0o600)}


@root_only
@pytest.mark.parametrize("what", ["dir-owner", "dir-writable", "entry-owner", "entry-writable"])
def test_untrusted_cache_is_ignored_with_one_warning(
    what: str, cache_dir: Path, probes: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    python = pyenv_python("3.12.1")
    inspect_interpreter(python)
    folder = cache_dir / "interpreters"
    (entry,) = folder.glob("*.json")
    target = folder if what.startswith("dir") else entry
    if what.endswith("owner"):
        os.chown(target, NOBODY, NOBODY)
    else:
        target.chmod(mode(target) | 0o022)
    for _ in range(3):
        assert inspect_interpreter(python).version == "3.12.1"
    # A directory not ours is never used; an entry not ours is replaced by one of ours.
    assert len(probes) == (4 if what.startswith("dir") else 2)
    warnings = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert len(warnings) == 1, warnings
    assert str(target) in warnings[0]
    assert ("another user" if what.endswith("owner") else "writable by others") in warnings[0]


def test_an_entry_whose_answer_is_another_interpreters_is_rejected(
    tmp_path: Path, cache_dir: Path, probes: list[str]
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3.11").symlink_to(pyenv_python("3.11.7"))
    honest = bin_dir / "python3.11"
    inspect_interpreter(honest)
    store = Cache(str(cache_dir))
    entry_file = Path(store._entry(str(honest)))
    entry = json.loads(entry_file.read_text())
    inspect_interpreter(pyenv_python("3.12.1"))
    other = json.loads(Path(store._entry(str(pyenv_python("3.12.1")))).read_text())
    entry["result"] = other["result"]  # the deps and path still say python3.11
    entry_file.write_text(json.dumps(entry))
    assert inspect_interpreter(honest).version == "3.11.7"
    assert len(probes) == 3


def test_a_hand_edited_answers_file_is_ignored(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    recorded_run(env, "find", "3.12")
    (answer,) = recorded_answers(tmp_path / "cache" / "answers")
    good = marshal.loads(answer.read_bytes())
    forged: list[Any] = [
        dict(good, witnesses=[[2**70, True, None]]),
        dict(good, witnesses=[[3, True, None]]),  # an int path would stat a file descriptor
        dict(good, code="0"),
        dict(good, stdout=b"/etc/shadow\n"),
        dict(good, witnesses=[["/", True, [1, 2, "x"]]]),
        dict(good, expires="never"),
        dict(good, environ={"PATH": 3}),
        dict(good, environ=["PATH"]),
        dict(good, cwd=b"/"),
        dict(good, upward=[[".venv", "yes"]]),
        dict(good, upward=None),
        {key: value for key, value in good.items() if key != "cwd"},  # was a KeyError
        [good],
        "not even a dict",
    ]
    for data in forged:
        answer.write_bytes(marshal.dumps(data))
        done = run_cli("find", "3.12", env=env)
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
        assert done.stdout == f"{tmp_path / 'bin' / 'python3.12'}\n"


def test_a_hand_edited_answers_index_is_ignored(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    recorded_run(env, "find", "3.12")
    folder = tmp_path / "cache" / "answers"
    (answer,) = recorded_answers(folder)
    (index,) = set(folder.glob("*.marshal")) - {answer}
    good = marshal.loads(index.read_bytes())
    for data in (dict(good, names="PATH"), dict(good, names=[[1, 2]]), dict(good, names=[{}]),
                 dict(good, format="3"), None, [good]):  # fmt: skip
        index.write_bytes(marshal.dumps(data))
        done = run_cli("find", "3.12", env=env)
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
        assert done.stdout == f"{tmp_path / 'bin' / 'python3.12'}\n"


@root_only
def test_an_answers_file_of_another_user_is_not_replayed(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    recorded_run(env, "find", "3.12")
    (answer,) = recorded_answers(tmp_path / "cache" / "answers")
    data = marshal.loads(answer.read_bytes())
    answer.write_bytes(marshal.dumps(dict(data, stdout="/tmp/evil/python\n")))
    os.chown(answer, NOBODY, NOBODY)
    done = run_cli("find", "3.12", env=env)
    assert done.stdout == f"{tmp_path / 'bin' / 'python3.12'}\n"
    assert f"warning: ignoring a recorded answer: {answer}: is owned by another user" in done.stderr


def test_pruning_never_deletes_what_is_not_ours(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    elsewhere = tmp_path / "precious"
    elsewhere.mkdir()
    for n in range(300):
        (elsewhere / f"{n:016x}.marshal").write_text("not an answer of ours")
    (tmp_path / "cache").mkdir(mode=0o700)
    (tmp_path / "cache" / "answers").symlink_to(elsewhere)
    for _ in range(3):
        done = run_cli("find", "3.12", env=env)
        assert done.returncode == 0
    assert len(os.listdir(elsewhere)) == 300
    assert "not using recorded answers" in done.stderr and "symlink" in done.stderr


def test_orphaned_temp_files_are_swept(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    run_cli("list", env=env)
    old = time.time() - 3600
    orphans = []
    for folder in ("interpreters", "answers"):
        directory = tmp_path / "cache" / folder
        directory.mkdir(exist_ok=True)
        for name in ("tmpabc123.tmp", "0123456789abcdef.marshal.99.tmp"):
            orphan = directory / name
            orphan.write_text("half written")
            os.utime(orphan, (old, old))
            orphans.append(orphan)
    fresh = tmp_path / "cache" / "interpreters" / "tmpinflight.tmp"  # a writer at work
    fresh.write_text("being written")
    (tmp_path / "bin" / "python3.11").symlink_to(pyenv_python("3.11.7"))  # a cold probe
    for _ in range(2):
        run_cli("list", env=env)
    assert [o for o in orphans if o.exists()] == []
    assert fresh.exists()


def cli_env(tmp_path: Path) -> dict[str, str]:
    """The CLI on a machine of one python3.12 (a link to the real pyenv build)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    if not (bin_dir / "python3.12").exists():
        (bin_dir / "python3.12").symlink_to(pyenv_python("3.12.1"))
    empty = tmp_path / "empty"
    empty.mkdir(exist_ok=True)
    keep = ("LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR")
    env = {key: os.environ[key] for key in keep if key in os.environ}
    env.update(PATH=str(bin_dir), HOME=str(tmp_path / "home"), PYENV_ROOT=str(empty),
               NIX_STORE_DIR=str(empty), XDG_DATA_HOME=str(empty),
               WHICHPYTHON_CACHE_DIR=str(tmp_path / "cache"))  # fmt: skip
    if "PYTHONPATH" in os.environ:  # the code under test, when it is not installed
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return machine_cli_env(tmp_path, env)  # its /nix/store, /opt/conda, ... under tmp_path


# -- failed probes are remembered ------------------------------------------------------------


def test_a_hanging_python_costs_one_timeout_then_is_remembered(
    tmp_path: Path, cache_dir: Path, probes: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate_machine(monkeypatch, tmp_path)
    hang = fake_python(tmp_path / "bin" / "python3.12", "3.12.4", hang=True)
    good = fake_python(tmp_path / "bin" / "python3.11", "3.11.9")
    time.sleep(0.05)  # not within a timestamp tick of the first probe: its answer is stored
    environ = {"PATH": str(hang.parent), "HOME": str(tmp_path), "WHICHPYTHON_CACHE_DIR":
               str(cache_dir), "WHICHPYTHON_TIMEOUT": "1"}  # fmt: skip
    search = Discovery(environ=environ, cwd=str(tmp_path), root=str(tmp_path))
    for _ in range(3):
        result = search.find_all()
        assert [i.path for i in result.interpreters] == [str(good)]
        (failed,) = [c for c in result.candidates if c.path == str(hang)]
        assert failed.verdict == "failed" and "timed out after 1 s" in failed.detail
    assert probes.count(str(hang)) == 1 and probes.count(str(good)) == 1
    assert "remembered from" in failed.detail and "--no-cache retries now" in failed.detail
    with pytest.raises(ProbeTimeout) as error:
        inspect_interpreter(hang, environ=environ)
    assert error.value.timeout == 1.0 and error.value.path == str(hang)
    # A longer timeout may help: it runs again. So does a change to the file.
    with pytest.raises(ProbeTimeout):
        inspect_interpreter(hang, environ=dict(environ, WHICHPYTHON_TIMEOUT="1.5"))
    assert probes.count(str(hang)) == 2
    hang.write_text(hang.read_text().replace('settings.get("hang")', "False"))
    assert inspect_interpreter(hang, environ=environ).version == "3.12.4"


def test_a_remembered_failure_expires(tmp_path: Path, cache_dir: Path, probes: list[str]) -> None:
    crash = tmp_path / "python3"
    crash.write_text("#!/bin/sh\necho 'Fatal Python error: init_fs_encoding' >&2\nexit 1\n")
    crash.chmod(0o755)
    for _ in range(2):
        with pytest.raises(Exception, match="crashed"):
            inspect_interpreter(crash)
    assert len(probes) == 1
    (entry,) = (cache_dir / "interpreters").glob("*.json")
    data = json.loads(entry.read_text())
    data["failure"]["expires"] = time.time() - 1
    entry.write_text(json.dumps(data))
    with pytest.raises(Exception, match="crashed"):
        inspect_interpreter(crash)
    assert len(probes) == 2


# -- blind spots -------------------------------------------------------------------------------


def test_a_line_appended_to_a_pth_file_changes_the_answer(tmp_path: Path, cache_dir: Path) -> None:
    venv = make_venv(str(pyenv_python("3.12.1")), tmp_path / "venv")
    site = next((tmp_path / "venv" / "lib").glob("python3.12/site-packages"))
    extra = tmp_path / "extra"
    extra.mkdir()
    (site / "project.pth").write_text(f"{tmp_path / 'first'}\n")
    (tmp_path / "first").mkdir()
    time.sleep(0.05)  # not within a timestamp tick of the probe
    assert str(extra) not in inspect_interpreter(venv).sys_path
    with (site / "project.pth").open("a") as handle:
        handle.write(f"{extra}\n")
    assert str(extra) in inspect_interpreter(venv).sys_path


def test_a_cfg_rewritten_in_place_with_its_mtime_put_back(tmp_path: Path, cache_dir: Path) -> None:
    venv = make_venv(str(pyenv_python("3.12.1")), tmp_path / "venv")
    cfg = tmp_path / "venv" / "pyvenv.cfg"
    time.sleep(0.05)
    found = inspect_interpreter(venv)
    assert found.venv is not None and not found.venv.include_system_site_packages
    before = cfg.stat()
    text = cfg.read_text()
    cfg.write_text(text.replace("include-system-site-packages = false",
                                "include-system-site-packages = true "))  # fmt: skip
    os.utime(cfg, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert cfg.stat().st_size == before.st_size and cfg.stat().st_mtime_ns == before.st_mtime_ns
    again = inspect_interpreter(venv)
    assert again.venv is not None and again.venv.include_system_site_packages


def test_a_changed_home_changes_the_user_site(tmp_path: Path, cache_dir: Path) -> None:
    python = pyenv_python("3.12.1")
    first = inspect_interpreter(python, environ=dict(os.environ, HOME=str(tmp_path / "a")))
    second = inspect_interpreter(python, environ=dict(os.environ, HOME=str(tmp_path / "b")))
    assert first.user_site is not None and second.user_site is not None
    assert first.user_site.path.startswith(str(tmp_path / "a"))
    assert second.user_site.path.startswith(str(tmp_path / "b"))


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare")
@root_only
def test_an_os_release_change_is_seen(tmp_path: Path) -> None:
    python = require("/usr/bin/python3.11")
    release = tmp_path / "os-release"
    release.write_text('ID=debian\nVERSION_ID="99"\n')
    script = f"""
import json, os, subprocess, sys
from whichpython import inspect_interpreter
before = inspect_interpreter({python!r}).platform.distro.version_id
subprocess.run(["mount", "--bind", {str(release)!r}, "/etc/os-release"], check=True)
after = inspect_interpreter({python!r}).platform.distro.version_id
print(json.dumps([before, after]))
"""
    env = dict(os.environ, WHICHPYTHON_CACHE_DIR=str(tmp_path / "cache"))
    done = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", sys.executable, "-c", script],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    if done.returncode != 0 and "unshare" in done.stderr:
        pytest.skip(f"no mount namespace here: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    before, after = json.loads(done.stdout)
    assert before != "99" and after == "99"


def hostile(path: Path, how: str) -> None:
    """Put a FIFO, a link to /dev/zero or a 2 GB sparse file at ``path``."""
    path.unlink(missing_ok=True)
    if how == "fifo":
        os.mkfifo(path, 0o600)
    elif how == "zero":
        path.symlink_to("/dev/zero")
    else:
        with path.open("wb") as handle:
            handle.truncate(2 << 30)
        path.chmod(0o600)


@pytest.mark.parametrize("how", ["fifo", "zero", "sparse"])
def test_a_hostile_cache_entry_is_not_read(how: str, tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    run_cli("inspect", str(tmp_path / "bin" / "python3.12"), "--no-cache", env=env)
    done = run_cli("inspect", "--json", str(tmp_path / "bin" / "python3.12"), env=env)
    (entry,) = (tmp_path / "cache" / "interpreters").glob("*.json")
    hostile(entry, how)
    script = (
        "import resource, runpy, sys; sys.argv[0] = 'whichpython'\n"
        "resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))\n"  # a safety net
        "try:\n    runpy.run_module('whichpython', run_name='__main__')\n"
        "finally:\n    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "    sys.stderr.write('PEAK_KB=%d\\n' % peak)\n"
    )
    again = subprocess.run(
        [sys.executable, "-c", script, "inspect", "--json", str(tmp_path / "bin" / "python3.12")],
        env=env, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    peak_kb = int(again.stderr.rsplit("PEAK_KB=", 1)[1])
    assert peak_kb < 256 * 1024  # the CLI needs ~40 MB; the file holds 2 GB, /dev/zero more
    assert json.loads(again.stdout) == json.loads(done.stdout)


@pytest.mark.parametrize("how", ["fifo", "zero", "sparse"])
def test_a_hostile_answers_file_is_not_read(how: str, tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    recorded_run(env, "find", "3.12")
    (answer,) = recorded_answers(tmp_path / "cache" / "answers")
    hostile(answer, how)
    done = run_cli("find", "3.12", env=env, timeout=30)
    assert done.returncode == 0 and done.stdout == f"{tmp_path / 'bin' / 'python3.12'}\n"
    assert "Traceback" not in done.stderr


def test_the_c_library_loaded_is_a_dependency(
    tmp_path: Path, cache_dir: Path, probes: list[str]
) -> None:
    python = pyenv_python("3.12.1")
    real = inspect_interpreter(python)
    libc = real.platform.libc if real.platform is not None else None
    if libc is None or libc.name != "glibc":
        pytest.skip("needs glibc")
    loaded = Cache(str(cache_dir)).load(str(python))
    assert loaded is not None and not isinstance(loaded, Exception)
    assert loaded.platform is not None and loaded.platform.libc is not None
    system_libc = loaded.platform.libc.path
    assert system_libc is not None and os.path.isfile(system_libc)
    # The same interpreter on a copy of the C library (the loader takes LD_LIBRARY_PATH's):
    lib = tmp_path / "lib"
    lib.mkdir()
    shutil.copy2(system_libc, lib / os.path.basename(system_libc))
    environ = dict(os.environ, LD_LIBRARY_PATH=str(lib))
    time.sleep(0.05)
    for _ in range(2):
        inspect_interpreter(python, environ=environ)
    assert len(probes) == 2  # the first inspection, then the one with the copy (cached)
    fresh = lib / "fresh"
    shutil.copy2(system_libc, fresh)
    os.replace(fresh, lib / os.path.basename(system_libc))  # an upgrade: a new file
    inspect_interpreter(python, environ=environ)
    assert len(probes) == 3


# -- a replayed answer witnesses what the probe cache depends on (issue 21) -------------------


def recorded_run(env: dict[str, str], *args: str, cwd: Path | None = None) -> Any:
    """Run the CLI until its answer is recorded (a run is not recorded when a file it looked
    at changed meanwhile: other tests hard-linking the pyenv builds move their ctimes)."""
    folder = Path(env["WHICHPYTHON_CACHE_DIR"]) / "answers"
    for _ in range(6):
        before = set(recorded_answers(folder))
        done = run_cli(*args, env=env, cwd=cwd)
        if set(recorded_answers(folder)) - before or done.returncode not in (0, 1):
            return done
    raise AssertionError(f"{args} was never recorded")


def _replayed_then_changed(env: dict[str, str], python: Path, change: Any) -> tuple[Any, Any]:
    """``inspect --json python`` recorded and replayed, then again after ``change()``: the two
    outputs, parsed."""
    recorded_run(env, "inspect", "--json", str(python))  # probed, then answered from the cache
    before = run_cli("inspect", "--json", str(python), env=env)  # replayed
    assert before.returncode == 0, before.stderr
    change()
    after = run_cli("inspect", "--json", str(python), env=env)
    assert after.returncode == 0, after.stderr
    return json.loads(before.stdout), json.loads(after.stdout)


def test_a_pth_file_added_changes_the_replayed_inspect(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    venv = make_venv(str(pyenv_python("3.12.1")), tmp_path / "venv")
    (site,) = (tmp_path / "venv" / "lib").glob("python3.12/site-packages")
    extra = tmp_path / "extra"
    extra.mkdir()
    time.sleep(0.05)  # not within a timestamp tick of the probe
    before, after = _replayed_then_changed(
        env, venv, lambda: (site / "project.pth").write_text(f"{extra}\n")
    )
    assert str(extra) not in before["sys_path"]
    assert str(extra) in after["sys_path"]


@pytest.mark.parametrize("change", ["externally-managed", "conda-meta", "pixi"])
def test_a_marker_appearing_changes_the_replayed_inspect(change: str, tmp_path: Path) -> None:
    """EXTERNALLY-MANAGED in the stdlib dir, ``conda-meta/`` (and pixi's file in it) in the
    prefix: the probe's facts change, so must the probe cache's answer and the replayed one."""
    env = cli_env(tmp_path)
    prefix = relocated_copy("3.12.1", tmp_path / "copy")
    python = prefix / "bin" / "python3.12"
    if change == "pixi":
        (prefix / "conda-meta").mkdir()
    time.sleep(0.05)

    def plant() -> None:
        if change == "externally-managed":
            marker = prefix / "lib" / "python3.12" / "EXTERNALLY-MANAGED"
            marker.write_text("[externally-managed]\nError=use the distro's packages\n")
        elif change == "conda-meta":
            (prefix / "conda-meta").mkdir()
        else:
            (prefix / "conda-meta" / "pixi").write_text('{"manifest_path": "/nowhere"}\n')

    before, after = _replayed_then_changed(env, python, plant)
    if change == "externally-managed":
        assert (before["externally_managed"], after["externally_managed"]) == (False, True)
    elif change == "conda-meta":
        assert before["manager"] != "conda"
        assert (after["kind"], after["manager"]) == ("managed", "conda")
    else:
        assert (before["manager"], after["manager"]) == ("conda", "pixi")


def test_a_failure_remembered_in_one_directory_is_not_replayed_in_another(tmp_path: Path) -> None:
    """A mise shim fails where no mise config selects a Python, and runs one where a
    ``mise.toml`` does: its remembered failure belongs to the directory it failed in."""
    env = cli_env(tmp_path)
    shims = tmp_path / "shims"
    shims.mkdir()
    real = pyenv_python("3.12.1")
    shim = shims / "python3"
    shim.write_text(
        "#!/bin/sh\n"
        f'[ -f mise.toml ] && exec {real} "$@"\n'
        "echo 'mise ERROR No version is set for shim: python3' >&2\nexit 1\n"
    )
    shim.chmod(0o755)
    env["PATH"] = str(shims)
    plain, configured = tmp_path / "plain", tmp_path / "configured"
    for folder in (plain, configured):
        folder.mkdir()
    (configured / "mise.toml").write_text('[tools]\npython = "3.12"\n')
    time.sleep(0.05)
    recorded_run(env, "find", "3.12", cwd=plain)  # failed, then remembered
    failed = run_cli("find", "3.12", env=env, cwd=plain)  # replayed
    assert failed.returncode == 1 and failed.stdout == "", failed.stderr
    found = run_cli("find", "3.12", env=env, cwd=configured)
    assert (found.returncode, found.stdout) == (0, f"{shim}\n"), found.stderr
    (plain / "mise.toml").write_text('[tools]\npython = "3.12"\n')  # now it runs one here too
    found = run_cli("find", "3.12", env=env, cwd=plain)
    assert (found.returncode, found.stdout) == (0, f"{shim}\n"), found.stderr


# -- the cache dir and what is in it are checked before anything is read (issue 21) -----------


@pytest.mark.parametrize("shared", ["answers", "root"])
def test_an_answers_dir_others_may_write_is_not_read(shared: str, tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    recorded_run(env, "find", "3.12")
    folder = tmp_path / "cache" / "answers"
    (answer,) = recorded_answers(folder)
    data = marshal.loads(answer.read_bytes())
    answer.write_bytes(marshal.dumps(dict(data, stdout="/tmp/evil/python3.12\n")))  # swapped
    shared_dir = folder if shared == "answers" else folder.parent
    shared_dir.chmod(0o770)  # a group may write it: it could have swapped the file
    done = run_cli("find", "3.12", env=env)
    assert (done.returncode, done.stdout) == (0, f"{tmp_path / 'bin' / 'python3.12'}\n")
    warnings = [line for line in done.stderr.splitlines() if "warning" in line]
    what = "recorded answers" if shared == "answers" else "the cache"
    assert warnings == [
        f"whichpython: warning: not using {what}: {shared_dir}: is writable by others (mode 770)"
    ]


def test_a_listings_dir_others_may_write_is_not_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from whichpython.sources import listings

    store = tmp_path / "store"
    (store / "python3-3.12.8").mkdir(parents=True)
    os.utime(store, ns=(1, 1))
    time.sleep(0.05)  # not changed within a timestamp tick of the listing: it is stored
    environ = {"WHICHPYTHON_CACHE_DIR": str(tmp_path / "cache")}
    stamp = listings.stamp(str(store))
    keep = lambda name: name.startswith("python3-")  # noqa: E731
    assert listings.kept_names("nix-store", str(store), stamp, keep, environ) == ["python3-3.12.8"]
    folder = tmp_path / "cache" / "listings"
    (stored,) = folder.iterdir()
    stored.write_text(json.dumps(dict(json.loads(stored.read_text()), names=["python3-evil"])))
    folder.chmod(0o777)
    for _ in range(2):
        names = listings.kept_names("nix-store", str(store), stamp, keep, environ)
        assert names == ["python3-3.12.8"]
    warnings = capsys.readouterr().err.splitlines()
    assert warnings == [
        f"whichpython: warning: not using stored listings: {folder}: is writable by others "
        "(mode 777)"
    ]


def test_an_answer_copied_from_another_command_line_is_refused(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    (tmp_path / "bin" / "python3.11").symlink_to(pyenv_python("3.11.7"))
    for request in ("3.12", "3.11"):
        recorded_run(env, "find", request)
    answers = {
        marshal.loads(path.read_bytes())["stdout"]: path
        for path in recorded_answers(tmp_path / "cache" / "answers")
    }
    wanted, other = (f"{tmp_path / 'bin' / name}\n" for name in ("python3.12", "python3.11"))
    assert set(answers) == {wanted, other}
    shutil.copyfile(answers[other], answers[wanted])  # ours, private, in our private dir
    for _ in range(2):
        done = run_cli("find", "3.12", env=env)
        assert (done.returncode, done.stdout, done.stderr) == (0, wanted, "")
