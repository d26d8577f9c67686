"""pipx: one env per installed application in ``<PIPX_HOME>/venvs/<name>``
(fixtures/environments/pipx.json, read from pipx 1.18.4's sources). They belong to no project.
"""

import os
from collections.abc import Iterator

from whichpython.sources.base import Candidate, Context, EnvironmentSource
from whichpython.sources.layout import child_dirs, env_candidate, same_path


def _expanded(value: str, ctx: Context) -> str:
    """pipx's ``Path(value).expanduser().absolute()``, with the context's home and cwd."""
    if value == "~" or value.startswith(("~/", "~\\")):
        value = ctx.home + value[1:]
    return os.path.join(ctx.cwd, value)


def pipx_home(ctx: Context) -> str:
    """``$PIPX_HOME``; else the legacy ``~/.local/pipx`` (and ``~/pipx`` on Windows) if it
    exists; else platformdirs' ``user_data_dir("pipx")``: ``${XDG_DATA_HOME:-~/.local/share}/
    pipx``, ``~/Library/Application Support/pipx`` (``$XDG_DATA_HOME`` wins there too),
    ``%LOCALAPPDATA%\\pipx\\pipx``."""
    configured = ctx.environ.get("PIPX_HOME")
    if configured:
        return _expanded(configured, ctx)
    legacy = [os.path.join(ctx.home, ".local", "pipx")]
    if ctx.windows:
        legacy.append(os.path.join(ctx.home, "pipx"))
    for place in legacy:
        if os.path.exists(place):
            return place
    if ctx.windows:
        return ctx.user_data_dir("pipx", author="pipx")
    xdg = ctx.environ.get("XDG_DATA_HOME", "")
    if xdg.startswith("/"):  # platformdirs takes an absolute one only
        return os.path.join(xdg, "pipx")
    return (
        ctx.user_data_dir("pipx")
        if ctx.platform == "darwin"
        else os.path.join(ctx.home, ".local", "share", "pipx")
    )


class PipxEnvs(EnvironmentSource):
    """Every directory in ``<PIPX_HOME>/venvs`` (pipx treats each as an app's env; the
    ``.<name>.lock`` files beside them are skipped), then those of the global home
    (``pipx --global``: ``$PIPX_GLOBAL_HOME`` or ``/opt/pipx``). Not listed: the shared-libs
    venv (``$PIPX_SHARED_LIBS`` or ``<PIPX_HOME>/shared``, pipx's own), and the temporary envs
    of ``pipx run`` in its cache."""

    name = "pipx"

    def candidates(self, ctx: Context) -> Iterator[Candidate]:
        home = pipx_home(ctx)
        homes = [home]
        if not ctx.windows:
            global_home = ctx.environ.get("PIPX_GLOBAL_HOME")
            homes.append(
                _expanded(global_home, ctx) if global_home else ctx.system_path("/opt/pipx")
            )
        shared = ctx.environ.get("PIPX_SHARED_LIBS")
        shared = _expanded(shared, ctx) if shared else os.path.join(home, "shared")
        seen: list[str] = []
        for place in homes:
            if any(same_path(place, other) for other in seen):
                continue
            seen.append(place)
            venvs = os.path.join(place, "venvs")
            for name in child_dirs(venvs, hidden=True):
                env = os.path.join(venvs, name)
                if name == os.path.basename(shared) and same_path(env, shared):
                    continue
                found = env_candidate(env, self.name, ctx)
                if found is not None:
                    yield found
