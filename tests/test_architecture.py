"""No import circle among whichpython's modules (docs/architecture.md). The layers contract
`lint-imports` checks (pyproject.toml) sees imports between layers only; a circle inside one
layer, or through the floor modules, is found here, on the import graph grimp (import-linter's
own) builds from the source: every import, lazy ones in functions and type-only ones too."""

from __future__ import annotations

import grimp


def _circles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_module_imports_itself_through_others() -> None:
    graph = grimp.build_graph("whichpython", cache_dir=None)
    assert "whichpython.engine.discovery" in graph.modules  # (the graph is the real one)
    assert "whichpython.model.models" in graph.find_modules_directly_imported_by(
        "whichpython.engine.discovery"
    )
    assert _circles(graph) == []
