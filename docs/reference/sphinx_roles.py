"""A Griffe extension for the docs site (mkdocs.yml): Sphinx roles in docstrings as links.

The source docstrings use reST roles (``:class:`~whichpython.model.errors.Refused```), which
mkdocstrings would print as they are. Each becomes an optional autorefs cross-reference:
a link when the target is on a page of the site, else the name as code (no warning either
way). Targets outside whichpython (``os.PathLike``, ``TypeError``) stay code.
"""

import html
import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:class|func|meth|attr|mod|exc|data|obj):`(?P<tilde>~?)(?P<target>[\w.]+)`")


def _resolve(obj: griffe.Object, target: str) -> str:
    if "." in target:
        return target
    try:
        return obj.resolve(target)
    except griffe.NameResolutionError:
        return target


class SphinxRoles(griffe.Extension):
    """Rewrite the roles of every docstring once the package is loaded."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is None:
            return

        def link(match: "re.Match[str]") -> str:
            target = match.group("target")
            shown = target.rsplit(".", 1)[-1] if match.group("tilde") else target
            code = f"<code>{html.escape(shown)}</code>"
            path = _resolve(obj, target)
            if not path.startswith("whichpython."):
                return code
            return f'<autoref identifier="{html.escape(path)}" optional>{code}</autoref>'

        obj.docstring.value = _ROLE.sub(link, obj.docstring.value)
