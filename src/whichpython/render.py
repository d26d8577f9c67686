"""Human-readable summaries of the models (the CLI's non-JSON output)."""

from whichpython.models import Interpreter

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


def describe(interpreter: Interpreter) -> str:
    """A few aligned lines: what it is, where it lives, where packages go."""
    platform = interpreter.platform
    where = ""
    if platform is not None:
        libc = f", {platform.libc.name} {platform.libc.version}" if platform.libc else ""
        where = f" ({platform.pointer_bits}-bit, {platform.sys_platform} {platform.machine}{libc})"
    kind = interpreter.kind.value
    if interpreter.manager:
        kind += f" (manager: {interpreter.manager})"
    rows = [
        ("version", title(interpreter) + where),
        ("kind", kind),
        ("executable", interpreter.executable or "-"),
        ("real path", interpreter.real_path),
        ("base executable", interpreter.base_executable or "-"),
        ("prefix", interpreter.prefixes.prefix),
    ]
    if interpreter.prefixes.base_prefix != interpreter.prefixes.prefix:
        rows.append(("base prefix", interpreter.prefixes.base_prefix))
    if interpreter.venv is not None:
        venv = interpreter.venv
        made = venv.creator + (f" {venv.creator_version}" if venv.creator_version else "")
        rows.append(("venv", f"{venv.config_path or 'legacy virtualenv'} (made by {made})"))
    rows += [
        (("site-packages" if i == 0 else ""), p) for i, p in enumerate(interpreter.site_packages)
    ]
    if not interpreter.site_packages:
        rows.append(("site-packages", "-"))
    user = interpreter.user_site
    if user is not None and user.exists and user.enabled:
        rows.append(("user site", f"{user.path} (added in normal runs)"))
    rows.append(("externally managed", "yes" if interpreter.externally_managed else "no"))
    for section, problem in sorted(interpreter.probe_errors.items()):
        rows.append(("probe warning", f"{section}: {problem}"))
    width = max(len(label) for label, _ in rows)
    lines = [interpreter.path]
    lines += [f"  {label:<{width}}  {value}" for label, value in rows]
    return "\n".join(lines)
