"""mise: ``$MISE_DATA_DIR/installs/python/<version>`` (``~/.local/share/mise``)."""

import os

from whichpython.sources.base import Context, InstallDirSource


class Mise(InstallDirSource):
    """Versions installed by ``mise install python``; alias links (``3.12``) are skipped."""

    name = "mise"

    def roots(self, ctx: Context) -> list[str]:
        data = ctx.environ.get("MISE_DATA_DIR") or os.path.join(ctx.data_home(), "mise")
        return [os.path.join(data, "installs", "python")]
