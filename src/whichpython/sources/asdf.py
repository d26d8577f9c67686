"""asdf's python plugin: ``$ASDF_DATA_DIR/installs/python/<version>``."""

import os

from whichpython.sources.base import Context, InstallDirSource


class Asdf(InstallDirSource):
    """Versions installed by ``asdf install python``."""

    name = "asdf"

    def roots(self, ctx: Context) -> list[str]:
        data = ctx.environ.get("ASDF_DATA_DIR") or os.path.join(ctx.home, ".asdf")
        return [os.path.join(data, "installs", "python")]
