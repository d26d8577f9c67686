"""uv's managed Pythons: ``$UV_PYTHON_INSTALL_DIR`` or ``~/.local/share/uv/python``."""

import os
import re

from whichpython.sources.base import Context, InstallDirSource

# cpython-3.12.3-linux-x86_64-gnu, pypy-3.10.14-..., cpython-3.13.0+freethreaded-...
_KEY = re.compile(r"^(cpython|pypy|graalpy)-\d+\.\d+\.\d+[^-]*-[^-]+-[^-]+-[^-]+$")


class Uv(InstallDirSource):
    """Installs named by uv's keys; minor-version links (``cpython-3.12-...``) are skipped."""

    name = "uv"

    def roots(self, ctx: Context) -> list[str]:
        configured = ctx.environ.get("UV_PYTHON_INSTALL_DIR")
        if configured:
            return [configured]
        if ctx.windows and ctx.environ.get("APPDATA"):
            return [os.path.join(ctx.environ["APPDATA"], "uv", "python")]
        return [os.path.join(ctx.data_home(), "uv", "python")]

    def include(self, entry: str) -> bool:
        return super().include(entry) and bool(_KEY.match(os.path.basename(entry)))
