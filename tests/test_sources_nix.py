"""Nix profiles and the Nix store, built in temp dirs (nothing here depends on the machine)."""

import json
import os
import random
import stat
import time
from pathlib import Path

import pytest

from whichpython.sources import listings, nix
from whichpython.sources.base import Candidate, Context, Hints
from whichpython.sources.nix import NixProfiles, NixStore

ALPHABET = "0123456789abcdfghijklmnpqrsvwxyz"  # nix base32: no e, o, t, u


def nix_hash(seed: str) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(ALPHABET) for _ in range(32))


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def store_entry(store: Path, name: str, *executables: str) -> Path:
    entry = store / f"{nix_hash(name)}-{name}"
    entry.mkdir(parents=True)
    for exe in executables:
        touch(entry / "bin" / exe)
    return entry


def ctx_for(tmp_path: Path, **environ: str) -> Context:
    env = {"HOME": str(tmp_path / "home"), "WHICHPYTHON_CACHE_DIR": str(tmp_path / "cache"),
           **environ}  # fmt: skip
    return Context(environ=env, cwd=str(tmp_path), root=str(tmp_path), platform="linux")


def test_store_keeps_interpreters_and_envs_newest_first(tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    for i in range(3000):  # unrelated entries, read by name only
        (store / f"{nix_hash(str(i))}-glibc-2.40-{i}").touch()
    py312 = store_entry(store, "python3-3.12.8", "python3.12", "python3")
    env312 = store_entry(store, "python3-3.12.8-env", "python3.12", "python3")
    py313 = store_entry(store, "python3-3.13.1", "python3.13")
    py314rc = store_entry(store, "python3-3.14.0rc2", "python3.14")
    py311 = store_entry(store, "python3-3.11.11", "python3.11")
    py27 = store_entry(store, "python-2.7.18.8", "python2.7")
    pypy = store_entry(store, "pypy3.10-7.3.17", "pypy3.10", "pypy3")
    old_pypy = store_entry(store, "pypy3-7.3.1", "pypy3")
    graal = store_entry(store, "graalpy-24.1.1", "graalpy")
    # Decoys: packages, other outputs, derivations, and an entry with no interpreter in it.
    store_entry(store, "python3.12-requests-2.31.0", "python3.12")
    store_entry(store, "python3-3.12.8-dev", "python3.12")
    store_entry(store, "python3-3.12.8-doc", "python3.12")
    store_entry(store, "pypy3.10-requests-2.31.0", "pypy3.10")
    store_entry(store, "python3-3.10.16")  # garbage-collected bin/, say
    (store / f"{nix_hash('drv')}-python3-3.12.8.drv").touch()
    (store / "python3-3.12.8").mkdir()  # no hash
    (store / f"{'e' * 32}-python3-3.9.9").mkdir()  # not nix base32

    found = list(NixStore().candidates(ctx_for(tmp_path, NIX_STORE_DIR=str(store))))

    cpython = Hints(implementation="cpython", freethreaded=False, debug=False, venv=False)
    pypy_hints = Hints(implementation="pypy", freethreaded=False, debug=False, venv=False)
    assert found == [
        Candidate(str(py314rc / "bin/python3.14"), "nix-store", attr(cpython, "3.14.0rc2")),
        Candidate(str(py313 / "bin/python3.13"), "nix-store", attr(cpython, "3.13.1")),
        Candidate(str(py312 / "bin/python3.12"), "nix-store", attr(cpython, "3.12.8")),
        Candidate(str(env312 / "bin/python3.12"), "nix-store", attr(cpython, "3.12.8")),
        Candidate(str(py311 / "bin/python3.11"), "nix-store", attr(cpython, "3.11.11")),
        Candidate(str(pypy / "bin/pypy3.10"), "nix-store", attr(pypy_hints, "3.10")),
        Candidate(str(old_pypy / "bin/pypy3"), "nix-store", Hints("3", "pypy", None, None, False)),
        Candidate(str(py27 / "bin/python2.7"), "nix-store", attr(cpython, "2.7.18.8")),
        Candidate(str(graal / "bin/graalpy"), "nix-store", Hints(None, "graalpy", venv=False)),
    ]


def attr(hints: Hints, version: str) -> Hints:
    return Hints(version, hints.implementation, hints.freethreaded, hints.debug, hints.venv)


def test_store_location_order_and_free_threaded_build(tmp_path: Path) -> None:
    default = tmp_path / "nix" / "store"
    ft = store_entry(default, "python3-3.13.1", "python3.13t")
    other = tmp_path / "other-store"
    in_other = store_entry(other, "python3-3.12.8-env", "python3.12")

    found = list(NixStore().candidates(ctx_for(tmp_path)))
    assert [c.path for c in found] == [str(ft / "bin" / "python3.13t")]
    assert found[0].hints == Hints("3.13.1", "cpython", True, False, False)

    via_store = ctx_for(tmp_path, NIX_STORE=str(other))
    assert [c.path for c in NixStore().candidates(via_store)] == [
        str(in_other / "bin" / "python3.12")
    ]
    both = ctx_for(tmp_path, NIX_STORE_DIR=str(default), NIX_STORE=str(other))
    assert [c.path for c in NixStore().candidates(both)] == [str(ft / "bin" / "python3.13t")]


def test_store_missing_yields_nothing(tmp_path: Path) -> None:
    assert list(NixStore().candidates(ctx_for(tmp_path))) == []
    assert list(NixProfiles().candidates(ctx_for(tmp_path))) == []


def test_store_listing_is_reread_when_the_store_changes(tmp_path: Path) -> None:
    store = tmp_path / "store"
    py312 = store_entry(store, "python3-3.12.8", "python3.12")
    ctx = ctx_for(tmp_path, NIX_STORE_DIR=str(store))
    assert [c.path for c in NixStore().candidates(ctx)] == [str(py312 / "bin/python3.12")]

    py313 = store_entry(store, "python3-3.13.1", "python3.13")  # a new store path: new mtime
    assert [c.path for c in NixStore().candidates(ctx)] == [
        str(py313 / "bin/python3.13"),
        str(py312 / "bin/python3.12"),
    ]
    (py313 / "bin/python3.13").unlink()  # inside an entry: the names are kept, files re-checked
    assert [c.path for c in NixStore().candidates(ctx)] == [str(py312 / "bin/python3.12")]
    os.rename(py312, store / f"{nix_hash('x')}-glibc-2.40")
    assert list(NixStore().candidates(ctx)) == []


def test_a_new_process_reads_the_stored_listing_not_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    for i in range(50):
        (store / f"{nix_hash(str(i))}-glibc-2.40-{i}").mkdir(parents=True)
    py312 = store_entry(store, "python3-3.12.8", "python3.12")
    os.utime(store, ns=(1, 1))
    time.sleep(0.05)  # not changed within a timestamp tick of the listing: it is stored
    ctx = ctx_for(tmp_path, NIX_STORE_DIR=str(store))
    assert [c.path for c in NixStore().candidates(ctx)] == [str(py312 / "bin/python3.12")]
    (stored,) = (tmp_path / "cache" / "listings").iterdir()
    assert json.loads(stored.read_text())["names"] == [py312.name]  # the Pythons only
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600

    nix._LISTINGS.clear()  # a new process
    listed: list[str] = []
    real_listdir = os.listdir
    monkeypatch.setattr(os, "listdir", lambda p: listed.append(p) or real_listdir(p))
    assert [c.path for c in NixStore().candidates(ctx)] == [str(py312 / "bin/python3.12")]
    assert listed == []

    py313 = store_entry(store, "python3-3.13.1", "python3.13")  # the store's mtime moves
    nix._LISTINGS.clear()
    paths = [c.path for c in NixStore().candidates(ctx)]
    assert paths == [str(py313 / "bin/python3.13"), str(py312 / "bin/python3.12")]
    assert listed == [str(store)]


def test_a_stored_listing_is_checked_before_it_is_used(tmp_path: Path) -> None:
    store = tmp_path / "store"
    py312 = store_entry(store, "python3-3.12.8", "python3.12")
    os.utime(store, ns=(1, 1))
    time.sleep(0.05)
    ctx = ctx_for(tmp_path, NIX_STORE_DIR=str(store))
    list(NixStore().candidates(ctx))
    (stored,) = (tmp_path / "cache" / "listings").iterdir()
    good = json.loads(stored.read_text())
    store_entry(store, "python3-3.11.9", "python3.11")
    os.utime(store, ns=(1, 1))  # a change the stamp cannot see: forged listings must not win
    fake = f"{nix_hash('fake')}-glibc-2.40"
    for forged in (dict(good, names=[fake]), dict(good, names="x"), dict(good, stamp=[1]),
                   dict(good, directory="/nix/store"), dict(good, format=0), [good]):  # fmt: skip
        stored.write_text(json.dumps(forged))
        nix._LISTINGS.clear()
        found = [c.path for c in NixStore().candidates(ctx)]
        assert str(py312 / "bin/python3.12") in found and len(found) == 2, forged
    stored.unlink()
    os.mkfifo(stored)  # hostile: never opened for reading
    nix._LISTINGS.clear()
    assert len(list(NixStore().candidates(ctx))) == 2


def test_no_listing_is_stored_without_a_cache_or_for_a_store_just_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    store_entry(store, "python3-3.12.8", "python3.12")
    os.utime(store, ns=(1, 1))
    quiet = ctx_for(tmp_path, NIX_STORE_DIR=str(store), WHICHPYTHON_NO_CACHE="1")
    assert len(list(NixStore().candidates(quiet))) == 1
    assert not (tmp_path / "cache").exists()
    monkeypatch.setattr(listings, "file_clock", lambda: 0)  # "changed since the listing began"
    nix._LISTINGS.clear()
    assert len(list(NixStore().candidates(ctx_for(tmp_path, NIX_STORE_DIR=str(store))))) == 1
    assert not (tmp_path / "cache" / "listings").exists() or not any(
        (tmp_path / "cache" / "listings").iterdir()
    )


def link(target: Path, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)


def test_profiles_in_order_with_links_into_the_store(tmp_path: Path) -> None:
    store = tmp_path / "nix" / "store"
    py312 = store_entry(store, "python3-3.12.8", "python3.12", "python3", "python3-config")
    py313 = store_entry(store, "python3-3.13.1", "python3.13")
    pypy = store_entry(store, "pypy3.10-7.3.17", "pypy3.10", "pypy3")

    home_bin = tmp_path / "home" / ".nix-profile" / "bin"
    for name in ("python3", "python3.12", "python3-config", "python3.12-config", "pydoc3"):
        link(py312 / "bin" / ("python3-config" if "config" in name else "python3.12"),
             home_bin / name)  # fmt: skip
    link(pypy / "bin" / "pypy3.10", home_bin / "pypy3.10")
    link(pypy / "bin" / "pypy3", home_bin / "pypy3")
    link(tmp_path / "nix" / "store" / "gone" / "python3.11", home_bin / "python3.11")  # dangling

    system_bin = tmp_path / "run" / "current-system" / "sw" / "bin"
    link(py313 / "bin" / "python3.13", system_bin / "python3.13")
    link(py313 / "bin" / "python3.13", system_bin / "python3")
    user_bin = tmp_path / "etc" / "profiles" / "per-user" / "alice" / "bin"
    link(py312 / "bin" / "python3.12", user_bin / "python3")
    extra = tmp_path / "nix" / "var" / "nix" / "profiles" / "default"
    link(py313 / "bin" / "python3.13", extra / "bin" / "python3.13")

    ctx = ctx_for(
        tmp_path,
        USER="alice",
        NIX_PROFILES=f"{extra} {tmp_path / 'home' / '.nix-profile'}",  # the latter: seen already
    )
    found = list(NixProfiles().candidates(ctx))
    assert [(c.path, c.source) for c in found] == [
        (str(home_bin / "python3.12"), "nix-profile"),
        (str(home_bin / "python3"), "nix-profile"),
        (str(home_bin / "pypy3.10"), "nix-profile"),
        (str(home_bin / "pypy3"), "nix-profile"),
        (str(system_bin / "python3.13"), "nix-profile"),
        (str(system_bin / "python3"), "nix-profile"),
        (str(user_bin / "python3"), "nix-profile"),
        (str(extra / "bin" / "python3.13"), "nix-profile"),
    ]
    assert found[0].hints == Hints("3.12", None, False, False)
    assert found[1].hints == Hints("3")
    assert found[2].hints == Hints("3.10", "pypy", False, False)


def test_profiles_without_user_skip_the_per_user_profile(tmp_path: Path) -> None:
    user_bin = tmp_path / "etc" / "profiles" / "per-user" / "alice" / "bin"
    touch(user_bin / "python3")
    assert list(NixProfiles().candidates(ctx_for(tmp_path))) == []
    found = list(NixProfiles().candidates(ctx_for(tmp_path, USER="alice")))
    assert [c.path for c in found] == [os.path.join(user_bin, "python3")]
