"""hatch: ``<data dir>/pythons/<name>/python`` (``$HATCH_DATA_DIR`` or the user data dir)."""

import os

from whichpython.sources.base import Context, InstallDirSource


class Hatch(InstallDirSource):
    """Distributions installed by ``hatch python install``."""

    name = "hatch"

    def roots(self, ctx: Context) -> list[str]:
        data = ctx.environ.get("HATCH_DATA_DIR") or ctx.user_data_dir("hatch")
        return [os.path.join(data, "pythons")]

    def install_prefix(self, entry: str) -> str:
        return os.path.join(entry, "python")
