"""Matching versions against a request's version part: PEP 440 specifiers, with the one
departure docs/requests.md explains (a prerelease counts as its final release against a
lower bound: ``>=3.14`` accepts 3.14.0rc3, as in uv)."""

import functools
from typing import TYPE_CHECKING, Optional

from packaging.version import Version

if TYPE_CHECKING:  # packaging.specifiers costs ~3 ms: range requests only import it
    from packaging.specifiers import Specifier, SpecifierSet

_LOWER_BOUNDS = (">=", "~=")


def version(text: str) -> Optional[Version]:
    """``text`` as a version, or None (an arbitrary ``===`` string, say)."""
    try:
        return Version(text)
    except ValueError:  # InvalidVersion, or more digits than int() converts
        return None


def normalized(text: str) -> Optional[str]:
    """``text`` as a PEP 440 specifier set in packaging's normal form; None when it is not
    one, or has a bound packaging would fail to parse again when matching (more digits than
    int() converts)."""
    one = simple(text)
    if one is not None:  # "==3.12.*", "==3.12.1": no packaging.specifiers
        return f"=={one[1]}{'.*' if one[0] else ''}"
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        specifier = SpecifierSet(text)
    except (InvalidSpecifier, ValueError):
        return None
    bounds = (s.version.removesuffix(".*") for s in specifier if s.operator != "===")
    if any(version(bound) is None for bound in bounds):
        return None
    return str(specifier)


@functools.lru_cache(maxsize=256)
def specifier_set(text: str) -> "SpecifierSet":
    """``text`` (a :func:`normalized` spec) as a SpecifierSet."""
    from packaging.specifiers import SpecifierSet

    return SpecifierSet(text)


@functools.lru_cache(maxsize=256)
def simple(spec: str) -> Optional[tuple[bool, Version]]:
    """``(is_prefix, version)`` for the one-clause forms a version request makes (``==X.Y.*``
    and ``==X.Y.Z[rcN]``), matched without packaging.specifiers; None for anything else."""
    if not spec.startswith("==") or spec.startswith("===") or "," in spec:
        return None
    text = spec[2:].strip()
    prefix = text.endswith(".*")
    parsed = version(text.removesuffix(".*"))
    if parsed is None or parsed.local is not None or (prefix and not _is_release(parsed)):
        return None
    return prefix, parsed


def _is_release(parsed: Version) -> bool:
    return parsed.pre is None and parsed.post is None and parsed.dev is None


def _simple_match(want: tuple[bool, Version], candidate: Version) -> bool:
    """PEP 440 ``==`` for :func:`simple` forms: a prefix compares the release padded with
    zeros; an exact version ignores the candidate's local label."""
    prefix, wanted = want
    if not prefix:
        return Version(candidate.public) == wanted
    size = len(wanted.release)
    padded = candidate.release + (0,) * max(0, size - len(candidate.release))
    return candidate.epoch == wanted.epoch and padded[:size] == wanted.release


def names_prerelease(spec: str) -> bool:
    """True when the spec names a prerelease (``==3.13.0rc1``, ``>=3.14.0b1``)."""
    one = simple(spec)
    if one is not None:
        return one[1].is_prerelease
    bounds = (version(s.version) for s in specifier_set(spec) if not s.version.endswith(".*"))
    return any(bound is not None and bound.is_prerelease for bound in bounds)


def matches(spec: str, text: str) -> bool:
    """Whether the version ``text`` satisfies ``spec``: PEP 440 with prereleases allowed,
    and a prerelease taken as its final release by a lower bound (``>=``, ``~=``)."""
    candidate = version(text)
    one = simple(spec)
    if one is not None:
        return candidate is not None and _simple_match(one, candidate)
    if candidate is None:
        return specifier_set(spec).contains(text, prereleases=True)  # "===" only
    return all(_clause(clause, candidate) for clause in specifier_set(spec))


def _clause(clause: "Specifier", candidate: Version) -> bool:
    """One clause of a range; a bound that names a prerelease (``>=3.15.0a7``) compares
    prereleases as PEP 440 does."""
    if clause.contains(candidate, prereleases=True):
        return True
    if not candidate.is_prerelease or clause.operator not in _LOWER_BOUNDS:
        return False
    bound = version(clause.version)
    final = Version(".".join(map(str, candidate.release)))
    return bound is not None and not bound.is_prerelease and clause.contains(final)


def why_not(spec: str, text: str) -> Optional[str]:
    """For a version ``spec`` rejects: the PEP 440 rule behind it, when one may surprise
    (``<3.13`` refuses 3.13.0a1; ``<=3.13`` refuses 3.13.2); None otherwise."""
    candidate = version(text)
    if candidate is None or simple(spec) is not None:
        return None
    failed = [clause for clause in specifier_set(spec) if not _clause(clause, candidate)]
    bound = version(failed[0].version) if len(failed) == 1 else None
    if bound is None:
        return None
    if failed[0].operator == "<" and candidate.is_prerelease and candidate < bound:
        return f"{text} is a prerelease of {bound}, which {failed[0]} excludes (PEP 440)"
    size = len(bound.release)
    if failed[0].operator == "<=" and size < 3 and candidate.release[:size] == bound.release:
        following = ".".join(map(str, (*bound.release[:-1], bound.release[-1] + 1)))
        return f"{failed[0]} means {failed[0]}.0 (PEP 440): <{following} is every {bound}"
    return None


@functools.lru_cache(maxsize=1024)
def may_satisfy(spec: str, hint: str) -> bool:
    """Whether some version a layout's hint allows (``3.12`` allows any 3.12.x) satisfies
    the version part ``spec`` of a request."""
    simple_answer = _simple_may_satisfy(spec, hint)
    if simple_answer is not None:
        return simple_answer
    parts = hint.split(".")
    if len(parts) >= 3:
        return matches(spec, hint)
    specifier = specifier_set(spec)
    if len(parts) == 1:  # "python3": only an exact request for another major rules it out
        return not any(
            s.operator in ("==", "===") and s.version.split(".")[0] != parts[0] for s in specifier
        )
    named = [s.version.removesuffix(".*") for s in specifier if s.version.startswith(hint + ".")]
    samples = named + [f"{hint}.{micro}" for micro in range(0, 100)]
    return any(matches(spec, sample) for sample in samples)


def _simple_may_satisfy(spec: str, hint: str) -> Optional[bool]:
    """:func:`may_satisfy` for a :func:`simple` spec, without packaging.specifiers; None
    when the spec or hint is of another form."""
    one = simple(spec)
    numbers = hint.split(".")
    if one is None or not all(n.isdigit() for n in numbers):
        return None
    if len(numbers) >= 3:
        hinted = version(hint)
        return hinted is not None and _simple_match(one, hinted)
    given = tuple(int(n) for n in numbers)
    release = one[1].release
    common = min(len(given), len(release))
    return given[:common] == release[:common]
