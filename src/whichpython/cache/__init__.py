"""The cache layer: what a probe answered, kept per interpreter while nothing it depends on
changed (:mod:`whichpython.cache.probes`, docs/cache.md)."""
