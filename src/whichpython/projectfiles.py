"""The names looked for in the working directory and in each directory above it, by the
sources (version files, a project's ``.venv``, the tools' project markers) and by the version
managers' shims a run may start. The probe cache keys what depends on the working directory on
them, and a recorded CLI answer holds in any directory where none of them exists
(:meth:`whichpython.cli.witness.Witness.upward`). A floor module: the CLI's fast path imports it
(the sources package, which imports every source, it must not), and it imports nothing of
whichpython."""

from __future__ import annotations

import os

#: What a version manager's shim reads in the working directory and each one above it to
#: choose an interpreter: mise's project config files (its ``LOCAL_CONFIG_FILENAMES`` and the
#: ``conf.d`` dirs) and asdf's ``.tool-versions``. No source reads them; a shim run does.
SHIM_CONFIGS = frozenset(
    {"mise.toml", ".mise.toml", "mise.local.toml", ".mise.local.toml", ".rtx.toml",
     ".rtx.local.toml", "mise/config.toml", ".mise/config.toml", ".mise/config.local.toml",
     ".config/mise.toml", ".config/mise.local.toml", ".config/mise/config.toml",
     ".config/mise/config.local.toml", ".config/mise/conf.d", "mise/conf.d", ".mise/conf.d",
     ".tool-versions"}
)  # fmt: skip
#: The names looked for in the working directory and in each directory above it: the
#: sources' (version files, a project's ``.venv``, the tools' project markers) and the
#: shims' (:data:`SHIM_CONFIGS`). An answer whose lookups of these all found nothing, and that
#: looked at nothing else inside the working directory, holds in any directory where none of
#: them exists either (:meth:`Witness.upward`).
PROJECT_FILES = SHIM_CONFIGS | frozenset(
    {".python-version", ".python-versions", ".tool-versions", ".venv"}
    | {"pyproject.toml", "Pipfile", "hatch.toml", "pixi.toml", ".pixi", ".conda"}
)


def project_file(relative: str) -> bool:
    """Whether a path relative to a directory is (or is inside) one of :data:`PROJECT_FILES`."""
    parts = relative.split(os.sep)
    return any(os.sep.join(parts[:end]) in PROJECT_FILES for end in range(1, len(parts) + 1))
