# whichpython probe: runs inside the interpreter being inspected.
# Stdlib only; must run unchanged on CPython 2.7 and 3.6+, PyPy, GraalPy, debug and
# free-threaded builds.  Invoked as `python -I -c <this source> <marker>` (2.7: -E -s).
# It prints one JSON object between "<marker>:BEGIN" and "<marker>:END" on fd 1 and
# nothing else of its own, so whatever a sitecustomize or .pth prints is ignored.
import sys

# With -c the cwd ('') may lead sys.path; drop it before importing anything else.
if sys.path and sys.path[0] in ("", "."):
    del sys.path[0]

import errno  # noqa: E402
import os  # noqa: E402
import stat  # noqa: E402

PROBE_FORMAT = 1
CONFIG_VARS = (
    "prefix", "exec_prefix", "BINDIR", "LIBDIR", "LIBPL", "LIBDEST", "BINLIBDEST",
    "INCLUDEPY", "CONFINCLUDEPY", "LDLIBRARY", "INSTSONAME", "LIBRARY", "Py_ENABLE_SHARED",
    "CC", "CXX", "LDSHARED", "BLDSHARED", "LDCXXSHARED", "LINKCC", "AR", "ARFLAGS",
    "CFLAGS", "LDFLAGS", "LIBS", "SYSLIBS", "LINKFORSHARED", "EXT_SUFFIX", "SO", "SOABI",
    "MULTIARCH", "VERSION", "py_version_nodot", "ABIFLAGS", "Py_DEBUG", "Py_GIL_DISABLED",
    "Py_TRACE_REFS", "WITH_PYMALLOC", "PYTHONFRAMEWORK", "PYTHONFRAMEWORKPREFIX",
    "PYTHON_BUILD_STANDALONE", "LIBPC", "MACHDEP", "HOST_GNU_TYPE", "platlibdir",
    "LDVERSION", "Py_REF_DEBUG", "COUNT_ALLOCS", "CPPFLAGS", "CCSHARED", "BLDLIBRARY",
    "WHICHPYTHON_RELOCATED_FROM",
)
PATH_NAMES = ("stdlib", "platstdlib", "purelib", "platlib", "include", "platinclude",
              "scripts", "data")
OS_RELEASE = ("/etc/os-release", "/usr/lib/os-release")
SMALL, CONFIG = 64 * 1024, 1024 * 1024  # caps: pyvenv.cfg and os-release; build-details.json
errors = {}


class Refused(Exception):
    """A file not read: not a regular file, or larger than its cap."""


def text(value):
    """Paths are bytes on Python 2: decode them so json can encode them."""
    if isinstance(value, bytes):
        try:
            return value.decode(sys.getfilesystemencoding() or "utf-8")
        except (UnicodeDecodeError, LookupError):
            return value.decode("latin-1")
    return value


def guard(name, func, default=None):
    """Run one section; a failure is recorded instead of aborting the probe."""
    try:
        return func()
    except Refused as exc:
        errors[name] = exc.args[0]
        return default
    except Exception as exc:  # hostile or unusual interpreters: report, don't die
        errors[name] = "%s: %s" % (type(exc).__name__, exc)
        return default


def read_file(path, limit):
    """The bytes of the regular file at `path` (None if nothing is there), at most `limit`.
    It is opened without blocking and checked again once open: a FIFO, a device, a socket
    or a larger file raises Refused instead of hanging the probe or filling its memory."""
    try:
        info = os.stat(path)
    except OSError:  # missing, a dangling link, a loop: as os.path.isfile says
        return None
    check_file(path, info, limit)
    flags = os.O_RDONLY
    for name in ("O_NONBLOCK", "O_NOCTTY", "O_CLOEXEC", "O_BINARY"):
        flags |= getattr(os, name, 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a socket
            raise Refused("%s: is not a regular file" % text(path))
        raise
    try:
        check_file(path, os.fstat(fd), limit)
        chunks, left = [], limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 65536))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:  # it grew since the check
        raise Refused("%s: is larger than %d KiB" % (text(path), limit // 1024))
    return data


def check_file(path, info, limit):
    if not stat.S_ISREG(info.st_mode):
        kind = "not a regular file"
        for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
                           (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                           (stat.S_ISBLK, "a block device")):
            if test(info.st_mode):
                kind = name + ", not a regular file"
        raise Refused("%s: is %s" % (text(path), kind))
    if info.st_size > limit:
        raise Refused("%s: is larger than %d KiB (%d bytes)"
                      % (text(path), limit // 1024, info.st_size))


def version_list(info):
    return [info[0], info[1], info[2], info[3], info[4]]


def implementation():
    impl = getattr(sys, "implementation", None)
    if impl is not None:
        return {"name": impl.name, "version": version_list(impl.version),
                "cache_tag": impl.cache_tag}
    import platform  # Python 2 only
    name = platform.python_implementation().lower()
    version = list(sys.version_info)
    if name == "pypy":
        version = list(getattr(sys, "pypy_version_info", sys.version_info))
    return {"name": name, "version": version_list(version), "cache_tag": None}


def read_cfg(path):
    """pyvenv.cfg per PEP 405: `key = value` lines, split at the first '='; None when there
    is no such file."""
    data = read_file(path, SMALL)
    if data is None:
        return None
    values = {}
    for raw in data.decode("utf-8", "replace").splitlines():
        key, sep, value = raw.partition("=")
        if sep and key.strip():
            values[key.strip().lower()] = value.strip()
    return values


def find_pyvenv_cfg():
    """The first pyvenv.cfg beside the executable, above it, or in sys.prefix. One that is
    refused is passed over, and said in errors."""
    places = []
    if sys.executable:
        here = os.path.dirname(os.path.abspath(sys.executable))
        places += [here, os.path.dirname(here)]
    places.append(sys.prefix)
    for place in places:
        candidate = os.path.join(place, "pyvenv.cfg")
        if os.path.isdir(candidate):
            continue
        try:
            values = read_cfg(candidate)
        except Refused as exc:
            errors["pyvenv_cfg"] = exc.args[0] + "; passed over"
            continue
        if values is not None:
            return {"path": text(candidate), "values": values}
    return None


def base_executable(venv):
    """The interpreter that really runs: a venv's base per its `home`, else the binary."""
    exe = sys.executable
    name = os.path.basename(exe) if exe else ""
    major, minor = sys.version_info[:2]
    names = [name, "python%d.%d" % (major, minor), "python%d" % major, "python",
             "python.exe", "pypy%d.%d" % (major, minor), "pypy%d" % major]
    if venv is not None:
        home = venv["values"].get("home")
        if not home:
            return None
        for candidate in names:
            path = os.path.join(home, candidate)
            if candidate and os.path.isfile(path):
                return text(path)
        return None
    base = getattr(sys, "_base_executable", None)
    if base and os.path.isfile(base):
        exe = base
    base_prefix = getattr(sys, "base_prefix", sys.prefix)
    if base_prefix != sys.prefix:  # a wrapped env (Nix): the binary lives in the base
        for folder in (os.path.join(base_prefix, "bin"), base_prefix):
            for candidate in names:
                path = os.path.join(folder, candidate)
                if candidate and os.path.isfile(path):
                    return text(path)
    return text(os.path.realpath(exe)) if exe else None


def load_sysconfig():
    """sysconfig. 3.12+ import threading for one lock (with functools, collections, ...: ~4 ms
    of a ~25 ms probe); where nothing loaded threading yet, sysconfig gets a stand-in whose
    RLock is _thread's (threading's own C lock) and whose any other name loads the real one."""
    if "threading" in sys.modules or sys.version_info < (3, 7):
        import sysconfig
        return sysconfig
    import _thread
    stand_in = type(sys)("threading")
    stand_in.RLock = getattr(_thread, "RLock", None)
    if stand_in.RLock is None:
        import sysconfig
        return sysconfig

    def real(name):
        if sys.modules.get("threading") is stand_in:
            del sys.modules["threading"]
        import threading
        return getattr(threading, name)

    stand_in.__getattr__ = real
    sys.modules["threading"] = stand_in
    try:
        import sysconfig
    finally:
        if sys.modules.get("threading") is stand_in:
            del sys.modules["threading"]
    return sysconfig


def sysconfig_facts():
    sysconfig = load_sysconfig()
    if hasattr(sysconfig, "get_default_scheme"):
        scheme = sysconfig.get_default_scheme()
    else:
        scheme = sysconfig._get_default_scheme()
    paths = sysconfig.get_paths()
    config = sysconfig.get_config_vars()
    values = {}
    for name in CONFIG_VARS:
        value = config.get(name)
        if value is not None and not isinstance(value, (int, float)):
            value = text(value)
        values[name] = value
    return {
        "scheme": scheme,
        "paths": dict((key, text(paths.get(key))) for key in PATH_NAMES),
        "vars": values,
        "data_file": guard("sysconfig_data_file", sysconfigdata_file),
    }


def sysconfigdata_file():
    """The _sysconfigdata module the vars came from (none on Windows: there is no such
    module, and the name helper needs sys.abiflags, which Windows lacks before 3.14)."""
    if os.name != "posix":
        return None
    import sysconfig
    get_name = getattr(sysconfig, "_get_sysconfigdata_name", None)
    module = sys.modules.get(get_name()) if get_name is not None else None
    return text(getattr(module, "__file__", None))


def libc():
    facts = libc_version()
    if facts is not None and sys.platform.startswith("linux"):
        facts["path"] = guard("libc_path", loaded_libc)
    return facts


def loaded_libc():
    """The C library file this process runs on (Linux: from /proc/self/maps)."""
    maps = read_file("/proc/self/maps", 4 << 20) or b""
    for line in maps.decode("utf-8", "replace").splitlines():
        name = os.path.basename(line.split(" ")[-1])
        if name.startswith(("libc.so", "libc-", "ld-musl-", "libc.musl")):
            return text(line[line.index("/"):])
    return None


def libc_version():
    try:
        name, version = os.confstr("CS_GNU_LIBC_VERSION").split(" ", 1)
        return {"name": name, "version": version}
    except (AttributeError, ValueError, OSError):
        pass
    if not sys.platform.startswith("linux"):
        return None
    try:  # Python 2 knows no CS_GNU_LIBC_VERSION; ask glibc itself
        import ctypes
        function = ctypes.CDLL(None).gnu_get_libc_version
        function.restype = ctypes.c_char_p
        return {"name": "glibc", "version": text(function())}
    except (ImportError, OSError, AttributeError):
        pass
    import glob
    loaders = glob.glob("/lib/ld-musl-*.so.1")
    if not loaders:
        return None
    import subprocess
    proc = subprocess.Popen([loaders[0]], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = proc.communicate()[1].decode("utf-8", "replace")
    version = None
    for line in out.splitlines():
        if line.startswith("Version "):
            version = line.split(" ", 1)[1].strip()
    return {"name": "musl", "version": version}


def os_release():
    """/etc/os-release, else /usr/lib/os-release (the first that exists is the one)."""
    for path in OS_RELEASE:
        data = read_file(path, SMALL)
        if data is not None:
            values = {}
            for raw in data.decode("utf-8", "replace").splitlines():
                key, sep, value = raw.partition("=")
                if sep and key in ("ID", "ID_LIKE", "VERSION_ID"):
                    values[key.lower()] = value.strip().strip("\"'")
            return values
    return None


def platform_facts():
    if hasattr(os, "uname"):
        uname = os.uname()
        system, release, machine = uname[0], uname[2], uname[4]
    else:
        import platform
        system, release, machine = platform.system(), platform.release(), platform.machine()
    return {
        "sys_platform": sys.platform,
        "os_name": os.name,
        "system": text(system),
        "release": text(release),
        "machine": text(machine),
        "pointer_bits": 64 if sys.maxsize > 2 ** 32 else 32,
        "byteorder": sys.byteorder,
        "libc": guard("libc", libc),
        "os_release": guard("os_release", os_release) if sys.platform.startswith("linux")
        else None,
    }


def user_site(venv):
    """The user site dir, and whether a normal (not isolated) run would put it on sys.path:
    the probe runs with -I/-s, which always leaves it out."""
    import site
    path = site.getusersitepackages()
    enabled = True
    if venv is not None:
        enabled = venv["values"].get("include-system-site-packages", "").lower() == "true"
    if hasattr(os, "getuid") and (os.getuid() != os.geteuid() or os.getgid() != os.getegid()):
        enabled = False
    return {"path": text(path), "exists": os.path.isdir(path), "enabled": enabled}


def stdlib_file(facts, name):
    stdlib = facts and facts["paths"].get("stdlib")
    if not stdlib:
        return None
    path = os.path.join(stdlib, name)
    return {"path": text(path), "exists": os.path.isfile(path)}


def build_details(marker):
    """The PEP 739 file's content (it may be there but not a regular file: refused)."""
    data = read_file(marker["path"], CONFIG) if marker is not None else None
    if data is None:
        return None
    import json
    return json.loads(data.decode("utf-8"))


def gather():
    venv = guard("pyvenv_cfg", find_pyvenv_cfg)
    config = guard("sysconfig", sysconfig_facts)
    base_prefix = getattr(sys, "base_prefix", None)
    details_file = guard("build_details", lambda: stdlib_file(config, "build-details.json"))
    answer = {
        "probe_format": PROBE_FORMAT,
        "implementation": guard("implementation", implementation),
        "version": sys.version,
        "version_info": version_list(sys.version_info),
        "executable": text(sys.executable) or None,
        "executable_realpath": text(os.path.realpath(sys.executable))
        if sys.executable else None,
        "sys_base_executable": text(getattr(sys, "_base_executable", None)),
        "base_executable": guard("base_executable", lambda: base_executable(venv)),
        "prefix": text(sys.prefix),
        "base_prefix": text(base_prefix),
        "exec_prefix": text(sys.exec_prefix),
        "base_exec_prefix": text(getattr(sys, "base_exec_prefix", None)),
        "real_prefix": text(getattr(sys, "real_prefix", None)),
        "sys_path": [text(entry) for entry in sys.path],
        "platlibdir": getattr(sys, "platlibdir", None),
        "debug_build": hasattr(sys, "gettotalrefcount"),
        "gil_enabled": guard("gil_enabled", lambda: sys._is_gil_enabled())
        if hasattr(sys, "_is_gil_enabled") else None,
        "sysconfig": config,
        "user_site": guard("user_site", lambda: user_site(venv)),
        "platform": guard("platform", platform_facts),
        "pyvenv_cfg": venv,
        "externally_managed": guard(
            "externally_managed", lambda: stdlib_file(config, "EXTERNALLY-MANAGED")),
        "build_details_file": details_file,
        "build_details": guard("build_details", lambda: build_details(details_file)),
        "conda_meta": os.path.isdir(os.path.join(base_prefix or sys.prefix, "conda-meta")),
        "pixi": os.path.isfile(os.path.join(base_prefix or sys.prefix, "conda-meta", "pixi")),
    }
    answer["errors"] = errors
    return answer


def emit(marker, payload):
    """Write straight to fd 1: a sitecustomize may have replaced sys.stdout."""
    try:
        sys.stdout.flush()
    except Exception:
        pass
    data = ("%s:BEGIN%s%s:END" % (marker, payload, marker)).encode("ascii")
    while data:
        try:
            written = os.write(1, data)
        except OSError:  # Jython: no real fd 1
            sys.__stdout__.write(data.decode("ascii"))
            sys.__stdout__.flush()
            return
        data = data[written:]


def string_quoter():
    """The json package's C string escaper: importing json itself imports re, which costs
    more than the rest of the probe together (PyPy has no _json: take json's)."""
    try:
        from _json import encode_basestring_ascii
    except ImportError:
        from json.encoder import encode_basestring_ascii
    return encode_basestring_ascii


def encode(value, quote):
    """ASCII JSON of the answer's plain values (keys sorted), as json.dumps writes it."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, bytes) and not isinstance(value, str):
        raise TypeError("bytes are not JSON: %r" % (value,))
    if isinstance(value, (str, type(u""), bytes)):
        if isinstance(value, bytes):  # Python 2 str: text must be UTF-8, as json.dumps wants
            value = value.decode("utf-8")
        return quote(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
        return repr(value)
    if isinstance(value, int) or type(value).__name__ == "long":
        return "%d" % value
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(encode(item, quote) for item in value) + "]"
    if isinstance(value, dict):
        items = sorted((text(key), item) for key, item in value.items())
        return "{" + ", ".join(
            quote(key) + ": " + encode(item, quote) for key, item in items) + "}"
    raise TypeError("%s is not JSON serializable" % type(value).__name__)


def main():
    marker = sys.argv[-1]
    quote = string_quoter()
    try:
        answer = gather()
    except Exception as exc:  # last resort: still answer, with the failure
        answer = {"probe_format": PROBE_FORMAT, "fatal": "%s: %s" % (type(exc).__name__, exc)}
    try:
        payload = encode(answer, quote)
    except (TypeError, ValueError, UnicodeDecodeError) as exc:
        payload = encode({"probe_format": PROBE_FORMAT,
                          "fatal": "%s: %s" % (type(exc).__name__, exc)}, quote)
    emit(marker, payload)


main()
