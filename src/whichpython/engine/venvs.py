"""Create venvs that work: the stdlib ``venv`` module run through the base executable that
CPython's getpath would find, so ``home`` names the real install (docs/venv-home.md)."""

import os
import subprocess
from collections.abc import Mapping
from typing import Optional, Union

from whichpython.model.errors import InterpreterError, Refused, VenvCreationFailed, telling_line
from whichpython.model.models import Interpreter
from whichpython.model.seconds import seconds
from whichpython.probe.identity import probe_environment
from whichpython.sources.pyvenv import directory_python

#: Creating a venv with pip can take a while (ensurepip installs a wheel).
CREATE_TIMEOUT = 300.0


def venv_base(interpreter: Interpreter) -> str:
    """The executable a new venv is made with: the getpath-resolved base executable; for a
    venv, its base interpreter (a venv is never made from a venv)."""
    base = interpreter.base_executable
    if base and os.path.isfile(base):
        return base
    if interpreter.is_venv:
        raise Refused(interpreter.path, "is a venv whose base interpreter cannot be found")
    return interpreter.path


def create_venv(
    interpreter: Union[Interpreter, str, "os.PathLike[str]"],
    dest: Union[str, "os.PathLike[str]"],
    *,
    system_site_packages: bool = False,
    with_pip: bool = False,
    timeout: Optional[float] = None,
    environ: Optional[Mapping[str, str]] = None,
) -> Interpreter:
    """Create a venv at ``dest`` from ``interpreter`` and return the new venv's interpreter.

    The venv module runs through the getpath-resolved base executable, so ``home`` in the
    new ``pyvenv.cfg`` is the real install's bin dir even when ``interpreter`` is a symlink
    placed elsewhere. Given a venv, its base interpreter is used. Raises
    :class:`~whichpython.model.errors.Refused` for an existing non-empty ``dest`` or a Python
    without the venv module, :class:`~whichpython.model.errors.VenvCreationFailed` when the
    venv module fails or the new venv does not run.
    """
    from whichpython.engine.inspection import inspect_interpreter

    environ = os.environ if environ is None else environ
    if not isinstance(interpreter, Interpreter):
        interpreter = inspect_interpreter(interpreter, environ=environ)
    if timeout is not None:
        timeout = seconds(timeout, "timeout=", what="timeout")
    try:
        dest = os.path.abspath(os.fspath(dest))
    except FileNotFoundError:  # relative, and the current directory was removed
        raise Refused(os.fspath(dest), "the current directory no longer exists") from None
    check_destination(dest)
    if interpreter.version_info.major < 3:
        raise Refused(
            interpreter.path, f"Python {interpreter.version} has no venv module (use virtualenv)"
        )
    base = venv_base(interpreter)
    argv = [base, "-m", "venv"]
    argv += ["--system-site-packages"] if system_site_packages else []
    argv += [] if with_pip else ["--without-pip"]
    try:
        done = subprocess.run(
            [*argv, dest],
            env=probe_environment(environ),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout or CREATE_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise VenvCreationFailed(dest, f"{base} -m venv did not finish in time") from None
    except OSError as exc:
        raise VenvCreationFailed(dest, f"cannot run {base} ({exc.strerror or exc})") from None
    if done.returncode != 0:
        stderr = done.stderr.decode("utf-8", "replace")
        cause = telling_line(stderr) or f"exit code {done.returncode}"
        raise VenvCreationFailed(dest, f"{base} -m venv failed: {cause}")
    python = directory_python(dest, windows=os.name == "nt")
    if python is None:
        raise VenvCreationFailed(dest, "the venv module made no interpreter")
    try:
        return inspect_interpreter(python, timeout=timeout, environ=environ)
    except InterpreterError as error:
        raise VenvCreationFailed(dest, f"the new venv does not run: {error.cause}") from None


def check_destination(dest: str) -> None:
    """Raise :class:`~whichpython.model.errors.Refused` unless ``dest`` is missing or an
    empty directory (where a venv may be made)."""
    if not os.path.lexists(dest):
        return
    if not os.path.isdir(dest):
        raise Refused(dest, "exists and is not a directory")
    if os.listdir(dest):
        raise Refused(dest, "exists and is not empty; choose a new directory")
