"""PDM's plugin: ``pdm config python.providers whichpython`` (docs/recipes/pdm.md).

Loaded by PDM at start-up through the ``pdm`` entry point ``whichpython``; it registers the
findpython provider, which PDM's interpreter search (``pdm use``, ``pdm python find``, ...)
then asks when ``python.providers`` names it. Install into PDM's own environment:
``pdm self add 'whichpython[pdm]'``.
"""

from typing import TYPE_CHECKING

from whichpython.integrations.findpython import register

if TYPE_CHECKING:
    from pdm.core import Core


def plugin(core: "Core") -> None:
    """PDM's plugin entry (PDM passes its ``Core``, which this plugin does not need)."""
    del core
    register()
