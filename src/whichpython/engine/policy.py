"""Preference policy: which candidates a request accepts, which it prefers, and why the
others lose (docs/discovery.md)."""

from typing import TYPE_CHECKING, Optional

from packaging.version import Version

from whichpython.model.errors import ConfigError
from whichpython.model.models import Interpreter, Kind
from whichpython.request.grammar import Request
from whichpython.request.platforms import triple
from whichpython.request.specifiers import may_satisfy, why_not
from whichpython.sources.base import Hints

if TYPE_CHECKING:
    import attrs
else:  # attrs with pre-built methods: attrs itself is imported only when asked for
    from whichpython.model import prebuilt as attrs

PREFERENCES = ("managed", "system", "only-managed", "only-system")
VENV_POLICIES = ("allow", "never", "only")
#: Why a Nix store Python no root reaches ranks after the others (``nix_unrooted``).
UNROOTED = (
    "a Nix store path no profile, PATH entry or GC root reaches (garbage collection may remove it)"
)


@attrs.frozen
class Verdict:
    """What became of one candidate: a short code and the human detail."""

    code: str
    detail: str

    def __str__(self) -> str:
        return self.detail


@attrs.frozen
class Policy:
    """A request with the caller's preferences."""

    request: Request
    prefer: str = "managed"
    venvs: str = "allow"
    #: A manager whose interpreters do not count (``pyenv`` for pyenv's ``system``).
    not_managed_by: Optional[str] = None

    def __attrs_post_init__(self) -> None:
        if self.prefer not in PREFERENCES:
            raise ConfigError(
                f"prefer must be one of {', '.join(PREFERENCES)}, not {self.prefer!r}"
            )
        if self.venvs not in VENV_POLICIES:
            raise ConfigError(
                f"venvs must be one of {', '.join(VENV_POLICIES)}, not {self.venvs!r}"
            )

    def static_reject(self, hints: Hints) -> Optional[Verdict]:
        """A reason to skip a candidate without running it, from what its layout says."""
        request = self.request
        if hints.venv is not None:
            if hints.venv and self.venvs == "never":
                return Verdict("venv-not-allowed", "venv not allowed (it has a pyvenv.cfg)")
            if not hints.venv and self.venvs == "only":
                return Verdict("not-a-venv", "not a venv (only venvs allowed)")
        if request.implementation and hints.implementation not in (None, request.implementation):
            return Verdict("wrong-implementation", f"wrong implementation: {hints.implementation}")
        if (
            request.spec is not None
            and hints.version is not None
            and not may_satisfy(request.spec, hints.version)
        ):
            return Verdict("wrong-version", f"wrong version: {hints.version} (from its layout)")
        if request.freethreaded and hints.freethreaded is False:
            return Verdict("wrong-variant", "not free-threaded (from its layout)")
        if request.freethreaded is False and hints.freethreaded:
            return Verdict("wrong-variant", "free-threaded (from its layout)")
        if request.debug and hints.debug is False:
            return Verdict("wrong-variant", "not a debug build (from its layout)")
        return None

    def statically_plain(self, hints: Hints) -> bool:
        """False when the layout already says this is a build the request only falls back to."""
        request = self.request
        return not (
            (hints.freethreaded and not request.freethreaded)
            or (hints.debug and not request.debug)
            or (request.implementation is None and hints.implementation not in (None, "cpython"))
        )

    def reject(self, interpreter: Interpreter) -> Optional[Verdict]:
        """A reason the probed interpreter does not fit, or None when it does."""
        request = self.request
        if request.implementation and interpreter.implementation != request.implementation:
            return Verdict(
                "wrong-implementation", f"wrong implementation: {interpreter.implementation}"
            )
        if not request.version_matches(interpreter.version):
            assert request.spec is not None
            rule = why_not(request.spec, interpreter.version)
            detail = f" ({rule})" if rule else ""
            return Verdict("wrong-version", f"wrong version: {interpreter.version}{detail}")
        if request.freethreaded and not interpreter.freethreaded:
            return Verdict("wrong-variant", "not free-threaded")
        if request.freethreaded is False and interpreter.freethreaded:
            return Verdict("wrong-variant", "free-threaded (+gil asked for a GIL build)")
        if request.debug and not interpreter.debug:
            return Verdict("wrong-variant", "not a debug build")
        if interpreter.kind is Kind.VENV:
            if self.venvs == "never":
                return Verdict("venv-not-allowed", "venv not allowed")
        elif self.venvs == "only":
            return Verdict("not-a-venv", f"not a venv ({interpreter.kind.value})")
        elif interpreter.kind is Kind.MANAGED and self.prefer == "only-system":
            return Verdict("managed-not-allowed", f"managed not allowed ({interpreter.manager})")
        elif interpreter.kind is not Kind.MANAGED and self.prefer == "only-managed":
            return Verdict("system-not-allowed", f"{interpreter.kind.value} not allowed")
        if self.not_managed_by is not None and interpreter.manager == self.not_managed_by:
            return Verdict("managed-not-allowed", f"managed by {interpreter.manager}")
        mismatch = self._platform_mismatch(interpreter)
        if mismatch:
            return Verdict("wrong-platform", f"wrong platform: {mismatch}")
        return None

    def is_plain(self, interpreter: Interpreter) -> bool:
        """A build the request prefers (:meth:`fallback_reasons` has none)."""
        return not self.fallback_reasons(interpreter)

    def fallback_reasons(self, interpreter: Interpreter) -> list[str]:
        """Why a matching build is only a fallback: another implementation than CPython
        (unless one was asked for), a prerelease (unless one was asked for), free-threaded
        or debug (unless asked for), a Nix store path no root reaches (ranked last)."""
        request, reasons = self.request, []
        if request.implementation is None and interpreter.implementation != "cpython":
            reasons.append(f"{interpreter.implementation}, not CPython")
        if not request.allows_prereleases and Version(interpreter.version).is_prerelease:
            reasons.append(f"a prerelease (ask for {interpreter.version} to prefer it)")
        if interpreter.freethreaded and not request.freethreaded:
            reasons.append("free-threaded")
        if interpreter.debug and not request.debug:
            reasons.append("a debug build")
        if interpreter.nix_unrooted:
            reasons.append(UNROOTED)
        return reasons

    @staticmethod
    def fallback_rank(interpreter: Optional[Interpreter], rank: int) -> tuple[bool, int]:
        """The order fallbacks are chosen in: rooted before unrooted, then priority."""
        return bool(interpreter and interpreter.nix_unrooted), rank

    def fallback_verdict(self, interpreter: Interpreter, chosen: bool) -> Verdict:
        """The verdict on a matching fallback build, chosen or not, saying why it is one."""
        why = "; ".join(self.fallback_reasons(interpreter))
        if chosen:
            return Verdict("chosen", f"chosen, though {why}: nothing preferred matches")
        return Verdict("match", f"matches, but {why}, and a preferred build won")

    def _platform_mismatch(self, interpreter: Interpreter) -> Optional[str]:
        request, platform = self.request, interpreter.platform
        if platform is None or not (request.os or request.arch or request.libc or request.bits):
            return None
        have = triple(platform)
        asked = (request.os, request.arch, request.libc)
        if any(want and want != got for want, got in zip(asked, have)) or (
            request.bits and request.bits != platform.pointer_bits
        ):
            bits = f", {platform.pointer_bits}-bit" if request.bits else ""
            return "-".join(have) + bits
        return None
