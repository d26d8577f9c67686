"""rye toolchains: ``$RYE_HOME/py/<impl>@<version>`` (python-build-standalone's ``install/``)."""

import os

from whichpython.sources.base import Context, InstallDirSource


class Rye(InstallDirSource):
    """Toolchains fetched or registered by rye."""

    name = "rye"

    def roots(self, ctx: Context) -> list[str]:
        home = ctx.environ.get("RYE_HOME") or os.path.join(ctx.home, ".rye")
        return [os.path.join(home, "py")]

    def install_prefix(self, entry: str) -> str:
        install = os.path.join(entry, "install")
        return install if os.path.isdir(install) else entry
