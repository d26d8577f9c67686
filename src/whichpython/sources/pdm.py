"""pdm: ``<user data dir>/pdm/python/<impl>@<version>`` (the default ``python.install_root``)."""

import os

from whichpython.sources.base import Context, InstallDirSource


class Pdm(InstallDirSource):
    """Interpreters installed by ``pdm python install`` into the default root."""

    name = "pdm"

    def roots(self, ctx: Context) -> list[str]:
        # platformdirs.user_data_dir("pdm"): its author defaults to the app's name on Windows
        return [os.path.join(ctx.user_data_dir("pdm", author="pdm"), "python")]
