"""libpython and what a program embedding Python needs (docs/embedding.md).

Computed from the (corrected) config vars and a few stats, never from a process: the
flags ``python3-config --embed`` would print, the directory the runtime loader must be told
about, whether ``PYTHONHOME`` is needed, and a PyO3 ``PYO3_CONFIG_FILE``.
"""

import functools
import os
from collections.abc import Mapping
from typing import Optional

from whichpython import memo
from whichpython.files import CONFIG, FileRefused, read_text, warn_once
from whichpython.model.models import (
    ConfigValue,
    Embedding,
    Interpreter,
    Libpython,
    LibraryFile,
    Prefixes,
)

_PYO3_NAMES = {"cpython": "CPython", "pypy": "PyPy", "graalpy": "GraalVM"}
_PYO3_FLAGS = ("Py_DEBUG", "Py_REF_DEBUG", "Py_TRACE_REFS", "COUNT_ALLOCS", "Py_GIL_DISABLED")
#: The runtime loader's configuration (glibc); tests point it elsewhere.
LD_SO_CONF = "/etc/ld.so.conf"


def find_libpython(
    config: Mapping[str, ConfigValue],
    *,
    implementation: str,
    version: tuple[int, int],
    prefixes: Prefixes,
    windows: bool,
) -> Optional[Libpython]:
    """Where libpython is (shared and static), from the corrected config vars."""
    major, minor = version
    if windows:
        import ntpath  # here: Windows paths only (~1 ms elsewhere)

        debug = config_flag(config.get("Py_DEBUG"))
        name = f"python{major}{minor}" + ("_d" if debug else "")
        dll = ntpath.join(prefixes.base_prefix, f"{name}.dll")
        return Libpython(
            name=name,
            directory=ntpath.join(prefixes.base_prefix, "libs"),
            shared=LibraryFile(dll, memo.isfile(dll)),
            static=None,
        )
    libdir = _text(config.get("LIBDIR"))
    if libdir is None or implementation not in ("cpython", "pypy"):
        return None
    abiflags = _text(config.get("ABIFLAGS")) or ""
    ldversion = _text(config.get("LDVERSION")) or f"{major}.{minor}{abiflags}"
    name = f"pypy{ldversion}-c" if implementation == "pypy" else f"python{ldversion}"
    dirs = [libdir]
    multiarch = _text(config.get("MULTIARCH"))
    if multiarch:
        dirs.append(os.path.join(libdir, multiarch))
    libpl = _text(config.get("LIBPL"))
    if libpl:
        dirs.append(libpl)
    lib = os.path.join(prefixes.base_prefix, "lib")
    dirs += [lib, os.path.join(lib, multiarch or ""), os.path.join(prefixes.base_prefix, "bin")]
    suffix = ".dylib" if _text(config.get("MACHDEP")) == "darwin" else ".so"
    soname = _text(config.get("INSTSONAME"))
    if not soname or soname.endswith(".a") or "/" in soname:
        soname = f"lib{name}{suffix}"
    shared = _locate(soname, dirs)
    static_name = _text(config.get("LIBRARY"))
    static = _locate(static_name, [libpl or libdir, *dirs]) if static_name else None
    directory = os.path.dirname(shared.path) if shared.exists else libdir
    if not shared.exists and static is not None and static.exists:
        directory = os.path.dirname(static.path)
    return Libpython(name=name, directory=directory, shared=shared, static=static)


def _locate(filename: str, dirs: "list[str]") -> LibraryFile:
    for folder in dict.fromkeys(dirs):
        path = os.path.join(folder, filename)
        if memo.exists(path):
            return LibraryFile(path, True)
    return LibraryFile(os.path.join(dirs[0], filename), False)


def embedding(
    config: Mapping[str, ConfigValue],
    raw_prefix: ConfigValue,
    libpython: Optional[Libpython],
    *,
    prefixes: Prefixes,
    windows: bool,
) -> Optional[Embedding]:
    """Compile and link flags, the runtime library dir to add, and ``PYTHONHOME`` if needed.

    ``raw_prefix`` is the build-time prefix (compiled into libpython); when it is not the
    real base prefix, an embedded interpreter would look for its stdlib there, so
    ``PYTHONHOME`` must say where it really is.
    """
    if libpython is None:
        return None
    includes = [p for p in map(_text, (config.get("INCLUDEPY"), config.get("CONFINCLUDEPY"))) if p]
    if windows:
        import ntpath

        includes = includes or [ntpath.join(prefixes.base_prefix, "include")]
    includes = list(dict.fromkeys(includes))
    link_shared = libpython.shared is not None and libpython.shared.exists
    ldflags = [f"-L{libpython.directory}", f"-l{libpython.name}"]
    if not windows:
        ldflags += _words(config.get("LIBS")) + _words(config.get("SYSLIBS"))
        if not link_shared:
            ldflags += _words(config.get("LINKFORSHARED"))
    rpath = None
    if windows:  # the DLL is found through PATH
        rpath = prefixes.base_prefix if link_shared else None
        library_var = "PATH"
    else:
        darwin = _text(config.get("MACHDEP")) == "darwin"
        library_var = "DYLD_LIBRARY_PATH" if darwin else "LD_LIBRARY_PATH"
        if link_shared and not _on_default_path(libpython.directory, darwin=darwin):
            rpath = libpython.directory
    home = None
    # Windows and macOS frameworks find the stdlib from the library itself; elsewhere an
    # embedded interpreter falls back to the prefix compiled in (the build prefix).
    framework = bool(_text(config.get("PYTHONFRAMEWORK")))
    built_for = raw_prefix if isinstance(raw_prefix, str) and raw_prefix else None
    if (
        not windows
        and not framework
        and built_for
        and not _same_path(built_for, prefixes.base_prefix)
    ):
        home = prefixes.base_prefix
        if not _same_path(prefixes.base_exec_prefix, prefixes.base_prefix):
            home += os.pathsep + prefixes.base_exec_prefix
    return Embedding(
        include_dirs=includes,
        cflags=[f"-I{folder}" for folder in includes],
        ldflags=ldflags,
        rpath=rpath,
        library_path_var=library_var if rpath else None,
        pythonhome=home,
    )


def env_lines(found: Interpreter) -> list[str]:
    """POSIX shell ``export`` lines that let a program linked against ``found`` run."""
    import shlex

    embed = found.embedding
    if embed is None:
        return []
    lines = []
    if embed.rpath and embed.library_path_var:
        var = embed.library_path_var
        value = shlex.quote(embed.rpath)
        lines.append(f"export {var}={value}${{{var}:+:${var}}}")
    if embed.pythonhome:
        lines.append(f"export PYTHONHOME={shlex.quote(embed.pythonhome)}")
    return lines


def pyo3_config(found: Interpreter) -> str:
    """A ``PYO3_CONFIG_FILE`` for ``found`` (``key=value`` lines, PyO3's format).

    ``lib_dir`` is the corrected libpython directory, not a stale build prefix.
    """
    config = found.sysconfig
    platform = found.platform
    windows = platform is not None and platform.os_name == "nt"
    base = found.prefixes.base_prefix
    shared = (
        found.implementation in ("pypy", "graalpy")
        or windows
        or bool(_text(config.get("PYTHONFRAMEWORK")))
        or found.manager in ("conda", "pixi")
        or os.path.isdir(os.path.join(base, "conda-meta"))
        or config_flag(config.get("Py_ENABLE_SHARED"))
    )
    flags = [flag for flag in _PYO3_FLAGS if config_flag(config.get(flag))]
    if "Py_DEBUG" in flags and "Py_REF_DEBUG" not in flags:
        flags.insert(1, "Py_REF_DEBUG")
    lines = {
        "implementation": _PYO3_NAMES.get(found.implementation, found.implementation),
        "version": f"{found.version_info.major}.{found.version_info.minor}",
        "shared": "true" if shared else "false",
        "abi3": "false",
    }
    if found.libpython is not None:
        lines["lib_name"] = found.libpython.name
        lines["lib_dir"] = found.libpython.directory
    if found.executable:
        lines["executable"] = found.executable
    if platform is not None:
        lines["pointer_width"] = str(platform.pointer_bits)
    lines["build_flags"] = ",".join(flags)
    lines["suppress_build_script_link_lines"] = "false"
    framework_prefix = _text(config.get("PYTHONFRAMEWORKPREFIX"))
    if framework_prefix:
        lines["python_framework_prefix"] = framework_prefix
    return "".join(f"{key}={value}\n" for key, value in lines.items())


@functools.cache
def _default_library_dirs(darwin: bool, conf: str = LD_SO_CONF) -> frozenset[str]:
    """Directories the runtime loader searches without being told (glibc: ``conf`` and the
    files it includes). A file that is not a regular file or over 1 MiB is not read: one
    warning on stderr says so (the answer may then ask for an rpath the loader does not need)."""
    if darwin:
        return frozenset({"/usr/lib", "/usr/local/lib"})
    found = {"/lib", "/usr/lib", "/lib64", "/usr/lib64"}
    pending, seen = [conf], set()
    while pending:
        conf = pending.pop()
        if conf in seen:
            continue
        seen.add(conf)
        try:
            lines = read_text(conf, CONFIG).splitlines()
        except FileRefused as refused:
            warn_once(f"{refused}; not read (library directories it lists are not known)")
            continue
        except OSError:
            continue
        for line in lines:
            line = line.split("#", 1)[0].strip()
            if line.startswith("include "):
                pattern = line.split(None, 1)[1]
                if not os.path.isabs(pattern):
                    pattern = os.path.join(os.path.dirname(conf), pattern)
                import glob

                pending += sorted(glob.glob(pattern))
            elif line:
                found.add(line)
    return frozenset(os.path.realpath(path) for path in found)


@functools.lru_cache(maxsize=256)
def _on_default_path(folder: str, *, darwin: bool) -> bool:
    return os.path.realpath(folder) in _default_library_dirs(darwin, LD_SO_CONF)


def _same_path(one: str, other: str) -> bool:
    if one == other:
        return True
    return os.path.normcase(memo.resolved(one)) == os.path.normcase(memo.resolved(other))


def _text(value: ConfigValue) -> Optional[str]:
    return value if isinstance(value, str) and value else None


def _words(value: ConfigValue) -> list[str]:
    return value.split() if isinstance(value, str) else []


def config_flag(value: ConfigValue) -> bool:
    """A config var that is on: ``1`` / ``True``."""
    return str(value).strip() in ("1", "True", "true")
