"""virtualenv's discovery plugin: ``virtualenv --discovery whichpython -p 3.12 DEST``.

Loaded by virtualenv through the ``virtualenv.discovery`` entry point ``whichpython``
(``VIRTUALENV_DISCOVERY=whichpython`` selects it too, tox included), so importing virtualenv
here costs the core nothing. Install with ``pip install 'whichpython[virtualenv]'``.
"""

import logging
import os
import re
import sys
from argparse import ArgumentParser
from typing import TYPE_CHECKING, Any, Optional

from virtualenv.discovery.discover import Discover
from virtualenv.discovery.py_info import PythonInfo

from whichpython.engine.policy import PREFERENCES
from whichpython.model.errors import InterpreterNotFound, WhichPythonError

if TYPE_CHECKING:
    from virtualenv.config.cli.parser import VirtualEnvOptions

try:  # newer virtualenv: a -p on the command line replaces VIRTUALENV_PYTHON and virtualenv.ini
    from virtualenv.config.cli.parser import ExtendAction

    _P_ACTION: dict[str, Any] = {"action": ExtendAction, "nargs": 1}
except ImportError:  # older virtualenv: as its builtin discovery did, append to those
    _P_ACTION = {"action": "append"}

LOGGER = logging.getLogger(__name__)
#: What tox puts in VIRTUALENV_PYTHON so that virtualenv.ini's default never applies.
TOX_SENTINEL = "<0"
# tox's env-name factors: py312, py3.12, py312t, py3 (any implementation)
_TOX_PY = re.compile(r"py(?P<version>[23](?:\.?\d{1,2})?[td]{0,2})", re.IGNORECASE)


def translate(spec: str) -> str:
    """A ``-p`` value as a whichpython request: tox's ``pyXY`` factors become ``pythonX.Y``
    (whichpython reads ``py312`` as an executable's name); everything else is unchanged."""
    found = _TOX_PY.fullmatch(spec.strip())
    return f"python{found.group('version')}" if found else spec


class WhichPython(Discover):
    """Finds the interpreter with whichpython: each ``-p`` value in order, as a whichpython
    request (a version, a range, ``pypy@3.10``, a path, a name; tox's ``py312`` too), with
    ``--python-prefer`` (``VIRTUALENV_PYTHON_PREFER``) as whichpython's ``prefer``.

    Without ``-p`` (or with only tox's ``<0`` sentinel), the interpreter virtualenv runs
    under (``sys.executable``) is used, as virtualenv's builtin discovery does. The env is
    made from the chosen interpreter's real base executable, so a Python reached through a
    symlink placed elsewhere, or a venv, gives an env whose ``home`` is the real install.

    The search reads the environment virtualenv is given (tox: the test env's, ``PATH``
    included) over this process's, so ``PYENV_ROOT`` or ``WHICHPYTHON_*`` need no
    ``pass_env``.
    """

    def __init__(self, options: "VirtualEnvOptions") -> None:
        super().__init__(options)
        given = [spec for spec in options.python if spec.strip() != TOX_SENTINEL]
        self.python_spec: list[str] = given or [sys.executable]
        self.prefer: str = options.python_prefer
        self.app_data: Any = options.app_data

    def __repr__(self) -> str:
        spec = self.python_spec[0] if len(self.python_spec) == 1 else self.python_spec
        return f"{type(self).__name__} discover of python_spec={spec!r} (prefer {self.prefer})"

    @classmethod
    def add_parser_arguments(cls, parser: ArgumentParser) -> None:
        parser.add_argument(
            "-p",
            "--python",
            dest="python",
            metavar="py",
            type=str,
            default=[],
            help="a whichpython request (3.12, >=3.10, pypy@3.10, a path, a name, tox's py312);"
            " repeat to try several in order; default: the interpreter virtualenv runs under",
            **_P_ACTION,
        )
        parser.add_argument(
            "--python-prefer",
            dest="python_prefer",
            choices=PREFERENCES,
            default="managed",
            help="which installed interpreters whichpython tries first, or only",
        )

    def run(self) -> Optional[PythonInfo]:
        """The first ``-p`` value's choice, as virtualenv's :class:`PythonInfo`; ``None``
        (virtualenv: "failed to find interpreter") when none matches."""
        from whichpython.engine.discovery import Discovery
        from whichpython.engine.venvs import venv_base

        search = Discovery(prefer=self.prefer, environ={**os.environ, **self._env})
        for spec in self.python_spec:
            request = translate(spec)
            try:
                chosen = search.find(request).interpreters[0]
                executable = venv_base(chosen)
            except InterpreterNotFound as missing:
                LOGGER.warning("whichpython: %s", missing)
                continue
            except WhichPythonError as error:
                LOGGER.warning("whichpython: %s: %s", spec, error)
                continue
            info: Optional[PythonInfo] = PythonInfo.from_exe(
                executable, self.app_data, raise_on_error=False, env=self._env
            )
            if info is not None:
                LOGGER.info("whichpython: %s -> %s", spec, executable)
                return info
            LOGGER.warning("whichpython: %s: virtualenv cannot query %s", spec, executable)
        return None
