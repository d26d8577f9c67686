"""Human-readable summaries of the models (the CLI's non-JSON output)."""

import re
from typing import TYPE_CHECKING, Optional

from whichpython.cli.terminal import cut, elide, elide_apart
from whichpython.model.models import Considered, Environment, Interpreter, Skipped

if TYPE_CHECKING:
    from whichpython.engine.discovery import SearchResult
    from whichpython.engine.repair import SysconfigRepair

_NAMES = {"cpython": "CPython", "pypy": "PyPy", "graalpy": "GraalPy"}


def title(interpreter: Interpreter) -> str:
    """``CPython 3.12.1`` / ``PyPy 3.9.16 (PyPy 7.3.11)``, with build flavours."""
    name = _NAMES.get(interpreter.implementation, interpreter.implementation)
    text = f"{name} {interpreter.version}"
    if interpreter.implementation != "cpython":
        text += f" ({name} {interpreter.implementation_version})"
    flavours = [
        f
        for f, on in (("free-threaded", interpreter.freethreaded), ("debug", interpreter.debug))
        if on
    ]
    return text + (f" [{', '.join(flavours)}]" if flavours else "")


def describe(interpreter: Interpreter, columns: Optional[int] = None) -> str:
    """A few aligned lines: what it is, where it lives, where packages go. With ``columns``
    (a terminal's width) each line fits: paths are elided in the middle (different paths
    stay different), other text is cut at the end."""
    platform = interpreter.platform
    where = ""
    if platform is not None:
        libc = f", {platform.libc.name} {platform.libc.version}" if platform.libc else ""
        where = f" ({platform.pointer_bits}-bit, {platform.sys_platform} {platform.machine}{libc})"
    kind = interpreter.kind.value
    if interpreter.manager:
        kind += f" (manager: {interpreter.manager})"
    base = interpreter.base_executable
    # (label, path or None, the text after it): a path is elided, the text after it kept
    rows: list[tuple[str, Optional[str], str]] = [
        ("version", None, title(interpreter) + where),
        ("kind", None, kind),
        *([("project", interpreter.project, "")] if interpreter.project else []),
        ("executable", interpreter.executable, "" if interpreter.executable else "-"),
        ("real path", interpreter.real_path, ""),
        ("base executable", base, "" if base else "-"),
        ("prefix", interpreter.prefixes.prefix, ""),
    ]
    if interpreter.prefixes.base_prefix != interpreter.prefixes.prefix:
        rows.append(("base prefix", interpreter.prefixes.base_prefix, ""))
    if interpreter.venv is not None:
        venv = interpreter.venv
        made = venv.creator + (f" {venv.creator_version}" if venv.creator_version else "")
        config = venv.config_path
        rows.append(("venv", config, f"{'' if config else 'legacy virtualenv'} (made by {made})"))
    site = interpreter.site_packages
    rows += [(("site-packages" if i == 0 else ""), p, "") for i, p in enumerate(site)]
    if not interpreter.site_packages:
        rows.append(("site-packages", None, "-"))
    user = interpreter.user_site
    if user is not None and user.exists and user.enabled:
        rows.append(("user site", user.path, " (added in normal runs)"))
    if interpreter.venv_home:
        rows.append(("venv home", interpreter.venv_home, ""))
    lib = interpreter.libpython
    if lib is not None:
        files = [f for f in (lib.shared, lib.static) if f is not None and f.exists]
        rows += [(("libpython" if i == 0 else ""), f.path, "") for i, f in enumerate(files)]
        if not files:
            rows.append(("libpython", None, f"-l{lib.name} (not found)"))
    embed = interpreter.embedding
    if embed is not None and embed.pythonhome:
        rows.append(("embedding", None, f"needs PYTHONHOME={embed.pythonhome}"))
    fixes = interpreter.sysconfig_corrections
    if fixes:
        rows.append(("sysconfig", None, f"relocated: {len(fixes)} values corrected (see --json)"))
    rows.append(("externally managed", None, "yes" if interpreter.externally_managed else "no"))
    for section, problem in sorted(interpreter.probe_errors.items()):
        rows.append(("probe warning", None, f"{section}: {problem}"))
    rows += [(("reached via" if i == 0 else ""), a, "") for i, a in enumerate(interpreter.aliases)]
    width = max(len(label) for label, _, _ in rows)
    room = _room(columns, 2 + width + 2)
    shown = elide_apart([path for _, path, _ in rows if path is not None], room)
    lines = [elide(interpreter.path, _room(columns, 0))]
    for label, path, tail in rows:
        value = shown[path] if path is not None else ""  # then what fits of the text after it
        lines.append(f"  {label:<{width}}  {value}{cut(tail, max(room - len(value), 0))}")
    return "\n".join(lines)


def table(interpreters: "list[Interpreter]", columns: Optional[int] = None) -> str:
    """An aligned table: version, implementation, kind, manager, source, path; each alias on
    its own line under the path. With ``columns`` (a terminal's width) long paths are
    elided in the middle to fit."""
    rows = [("VERSION", "IMPLEMENTATION", "KIND", "MANAGER", "SOURCE", "PATH")]
    for found in interpreters:
        flavour = "t" if found.freethreaded else ""
        flavour += "d" if found.debug else ""
        rows.append(
            (
                found.version + flavour,
                found.implementation,
                found.kind.value,
                found.manager or "-",
                found.source or "-",
                found.path,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    longest = max(len(path) for found in interpreters for path in (found.path, *found.aliases))
    if columns is not None and sum(widths) + 10 + longest > columns:  # short of room
        rows[0] = ("VERSION", "IMPL", *rows[0][2:])
        widths[1] = max(len(row[1]) for row in rows)
    indent = " " * (sum(widths) + 2 * 5)
    room = _room(columns, len(indent))
    paths = elide_apart([row[5] for row in rows[1:]], room)
    every = [path for found in interpreters for path in (*found.aliases, found.path)]
    aliases = elide_apart(every, room - 2)
    lines = []
    for index, row in enumerate(rows):
        cells = [*(cell.ljust(w) for cell, w in zip(row, widths)), paths.get(row[5], row[5])]
        lines.append("  ".join(cells))
        if index:
            lines += [f"{indent}= {aliases[a]}" for a in interpreters[index - 1].aliases]
    return "\n".join(lines)


def environments_table(environments: "list[Environment]", columns: Optional[int] = None) -> str:
    """An aligned table: manager, version, project, path; a broken environment's error on
    the line below it. Fitted to ``columns`` if given."""
    rows = [("MANAGER", "VERSION", "PROJECT", "PATH")]
    for env in environments:
        python = env.interpreter
        version = python.version if python is not None else "-"
        rows.append((env.manager or "-", version, env.project or "-", env.path))
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    project_width = max(len(row[2]) for row in rows)
    if columns is not None:
        project_width = min(project_width, max((columns - sum(widths) - 6) // 3, 12))
    room = _room(columns, sum(widths) + project_width + 6)
    paths = elide_apart([row[3] for row in rows[1:]], room)
    projects = elide_apart([row[2] for row in rows[1:]], project_width)
    lines = []
    for index, row in enumerate(rows):
        project = projects.get(row[2], row[2]).ljust(project_width)
        path = paths.get(row[3], row[3])
        cells = [*(cell.ljust(w) for cell, w in zip(row, widths)), project, path]
        lines.append("  ".join(cells).rstrip())
        error = environments[index - 1].error if index else None
        if error:
            lines.append(
                " " * (sum(widths) + 4) + cut(f"! {error}", _room(columns, sum(widths) + 4))
            )
    return "\n".join(lines)


def _room(columns: Optional[int], used: int, least: int = 24) -> int:
    """What is left of a line of ``columns`` after ``used`` (unlimited without a width)."""
    return 1 << 30 if columns is None else max(columns - used, least)


def considered_lines(candidates: "list[Considered]", columns: Optional[int] = None) -> list[str]:
    """One line per candidate: path, source, verdict; fitted to ``columns`` if given (paths
    elided in the middle, details cut at the end)."""
    if not candidates:
        return ["  (no candidates found)"]
    source_width = max(len(c.source) for c in candidates)
    path_width = max(len(c.path) for c in candidates)
    if columns is not None:  # the path gets at most half of what the source leaves
        path_width = min(path_width, max((columns - source_width - 6) // 2, 24))
    room = _room(columns, 2 + path_width + 2 + source_width + 2, least=16)
    paths = elide_apart([c.path for c in candidates], path_width)
    lines = []
    for c in candidates:
        detail = c.detail
        if c.version and c.verdict != "wrong-version":
            detail += f" [{c.version}]"
        path = paths[c.path]
        lines.append(f"  {path:<{path_width}}  {c.source:<{source_width}}  {cut(detail, room)}")
    return lines


def closest(candidates: "list[Considered]", request: str, limit: int = 3) -> list[Considered]:
    """The candidates that came nearest to matching ``request``: those whose version is
    known and that were judged (not duplicates, shims, failures); the right implementation
    first (for ``pypy@3.10``: a PyPy, then a candidate whose implementation its layout did
    not tell, then the others), then the right version, then the nearest version."""
    wanted = _numbers(request)
    named = _implementation(request)
    judged = [
        c for c in candidates if c.version and c.verdict not in _NOT_JUDGED and _numbers(c.version)
    ]

    def distance(c: Considered) -> tuple[int, ...]:
        # implementation first: checked before the version, so a probed wrong version has
        # the right one; a wrong version read from the layout says nothing about it
        unknown = c.verdict == "wrong-version" and c.detail.endswith("(from its layout)")
        implementation = 2 if c.verdict == "wrong-implementation" else int(named and unknown)
        if c.verdict not in ("wrong-version", "wrong-implementation"):
            return (implementation, 0)  # the version was right: something else was wrong
        have = _numbers(c.version or "")
        return (implementation, 1, *(abs(a - b) for a, b in zip(wanted, have)))

    return sorted(judged, key=distance)[:limit]


def _implementation(request: str) -> bool:
    """Whether ``request`` names an implementation (``pypy@3.10``, ``graalpy``)."""
    from whichpython.request.grammar import RequestError, parse_request

    try:
        return parse_request(request).implementation is not None
    except (RequestError, ValueError):  # several requests of a version file
        return False


_NOT_JUDGED = frozenset({"duplicate", "shim", "failed", "not-probed", "chosen", "match"})


def _numbers(text: str) -> tuple[int, ...]:
    """The first dotted number of ``text`` as a tuple (``pypy@3.10`` -> (3, 10))."""
    found = re.search(r"\d+(?:\.\d+)*", text)
    return tuple(int(n) for n in found.group().split(".")) if found else ()


def explanation(result: "SearchResult", columns: Optional[int] = None) -> str:
    """The candidates a search considered, with the version file it used if any, and the
    files it did not read (a FIFO, a device, too large), each with the reason; fitted to
    ``columns`` if given."""
    head = f"candidates considered for {result.request}"
    if result.version_file:
        head += f" (asked by {result.version_file})"
    lines = [head + ":", *considered_lines(result.candidates, columns)]
    return "\n".join([*lines, *skipped_lines(result.skipped)])


def skipped_lines(skipped: "list[Skipped]") -> list[str]:
    """``files not read:`` and one line per file with the reason; nothing when none."""
    if not skipped:
        return []
    return ["files not read:", *(f"  {file.path}: {file.reason}" for file in skipped)]


def repair_lines(repair: "SysconfigRepair") -> list[str]:
    """What ``fix-sysconfig`` changed (or would change, with ``--dry-run``), per file."""
    lines = list(repair.notes)
    if not repair.files:
        what = "nothing else to change" if repair.notes else "nothing to change"
        return [
            *lines,
            f"{repair.interpreter}: {what} (already fixed; it was built for {repair.build_prefix})",
        ]
    verb = "would change" if repair.dry_run else "changed"
    lines.append(
        f"{repair.interpreter}: built for {repair.build_prefix}, installed at {repair.prefix}"
    )
    for file in repair.files:
        count = len(file.changes)
        kept = f" (original kept as {file.backup})" if file.backup else ""
        lines.append(f"  {file.path}: {verb} {count} value{'s' if count != 1 else ''}{kept}")
        lines += [f"    {c.var}: {c.was!r} -> {c.now!r}" for c in file.changes]
    return lines
