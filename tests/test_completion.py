"""Shell completion: the scripts ``whichpython completion SHELL`` prints, run by the real
shells (each test skips when its shell is not installed)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CLI

CASES = [
    (
        "",
        [
            "completion",
            "embed",
            "envs",
            "find",
            "fix-sysconfig",
            "inspect",
            "list",
            "pet",
            "serve",
            "venv",
        ],
    ),
    ("li", ["list"]),
    ("list --pr", ["--prefer"]),
    ("list --prefer ", ["managed", "only-managed", "only-system", "system"]),
    ("find --prefer only-", ["only-managed", "only-system"]),
    ("list --so", ["--sort"]),
    ("find --so", []),  # find has no --sort
    ("list --w", ["--wide"]),
    ("completion ", ["bash", "fish", "zsh"]),
    ("inspect ./sub/", ["./sub/python3"]),
    ("find ./sub/", ["./sub/python3"]),  # a request may be a path
    ("list ./sub/", ["./sub/python3"]),
    ("venv --python ./sub/", ["./sub/python3"]),
    ("envs --project ./", ["./sub"]),  # directories only
    ("envs --project ./s", ["./sub"]),
    ("find --timeout ", []),  # a number: nothing to complete
]


def completion_script(shell: str, tmp_path: Path) -> Path:
    done = subprocess.run(
        [sys.executable, "-c", CLI, "completion", shell], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    script = tmp_path / f"whichpython.{shell}"
    script.write_text(done.stdout)
    (tmp_path / "sub").mkdir(exist_ok=True)
    (tmp_path / "sub" / "python3").touch()
    return script


def require_shell(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed")
    return found


def bash_like(shell: str, tmp_path: Path, line: str) -> list[str]:
    """What the completion function offers for ``whichpython LINE`` (a trailing space: a
    new, empty word)."""
    script = completion_script(shell, tmp_path)
    words = ["whichpython", *line.split()] + ([""] if line.endswith(" ") or not line else [])
    quoted = " ".join("'" + word + "'" for word in words)
    code = (
        f"source {script}\n"
        f"COMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}\n"
        "_whichpython\n"
        "printf '%s\\n' \"${COMPREPLY[@]}\"\n"
    )
    done = subprocess.run(
        [require_shell(shell), "-c", code], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    offered = [w for w in done.stdout.splitlines() if w and not w.startswith("-h")]
    if shell == "zsh":  # zsh's compadd keeps what starts with the word typed so far
        offered = [w for w in offered if w.startswith(words[-1])]
    return sorted(offered)


@pytest.mark.parametrize(("line", "expected"), CASES)
def test_bash(tmp_path: Path, line: str, expected: list[str]) -> None:
    offered = bash_like("bash", tmp_path, line)
    assert [w for w in offered if w not in ("--help", "--version")] == expected


@pytest.mark.parametrize(("line", "expected"), CASES)
def test_zsh(tmp_path: Path, line: str, expected: list[str]) -> None:
    offered = bash_like("zsh", tmp_path, line)
    assert [w for w in offered if w not in ("--help", "--version")] == expected


@pytest.mark.parametrize(("line", "expected"), CASES)
def test_fish(tmp_path: Path, line: str, expected: list[str]) -> None:
    script = completion_script("fish", tmp_path)
    command = f"source {script}; complete -C 'whichpython {line}'"
    done = subprocess.run(
        [require_shell("fish"), "--no-config", "-c", command],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    # fish shows a directory with its trailing slash
    offered = sorted(line.split("\t")[0].rstrip("/") for line in done.stdout.splitlines())
    assert [w for w in offered if w not in ("--help", "--version", "-h")] == expected
