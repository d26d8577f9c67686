"""Platform names as requests write them (uv's keys, python-discovery's machine names) and
as interpreters report them, mapped to one spelling: ``linux``/``macos``/``windows``,
``x86_64``/``aarch64``/``i686``, ``gnu``/``musl``/``none``."""

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from whichpython.model.models import Platform

#: Operating systems as uv's keys name them.
SYSTEMS = frozenset({"linux", "macos", "windows", "freebsd", "netbsd", "openbsd", "android"})
#: Machine names (uv's, python-discovery's, ``platform.machine()``'s) to one spelling.
ARCHES = {"x86_64": "x86_64", "amd64": "x86_64", "x64": "x86_64", "aarch64": "aarch64",
          "arm64": "aarch64", "i686": "i686", "i586": "i686", "i486": "i686", "i386": "i686",
          "x86": "i686", "armv7": "armv7", "armv7l": "armv7", "ppc64le": "ppc64le",
          "powerpc64le": "ppc64le", "ppc64": "ppc64", "powerpc64": "ppc64", "s390x": "s390x",
          "riscv64": "riscv64", "loongarch64": "loongarch64"}  # fmt: skip
#: C libraries as uv's keys name them (``none``: macOS, Windows).
LIBCS = frozenset({"gnu", "musl", "none", "gnueabi", "gnueabihf"})
_SYS_PLATFORMS = {"darwin": "macos", "win32": "windows", "cygwin": "windows"}
_LIBC_NAMES = {"glibc": "gnu", "gnu": "gnu", "musl": "musl"}


def triple(platform: "Platform") -> tuple[str, str, str]:
    """An interpreter's (os, arch, libc) in the spelling of :data:`SYSTEMS`, :data:`ARCHES`
    and :data:`LIBCS` (``linux``, ``x86_64``, ``gnu``)."""
    system = _SYS_PLATFORMS.get(platform.sys_platform, re.sub(r"\d+$", "", platform.sys_platform))
    machine = platform.machine.lower()
    libc = _LIBC_NAMES.get(platform.libc.name, platform.libc.name) if platform.libc else "none"
    return system, ARCHES.get(machine, machine), libc
