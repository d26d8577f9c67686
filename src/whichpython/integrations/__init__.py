"""Plug-ins for the tools users already run: virtualenv/tox and findpython/PDM.

Each module imports its client lazily and is loaded by that client's entry point, so the
core never imports virtualenv, findpython or PDM.
"""
