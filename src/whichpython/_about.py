"""The package's version, written here only (pyproject.toml's ``[tool.hatch.version]`` reads
it), so that ``whichpython --version`` needs no ``importlib.metadata``."""

__version__ = "0.1.0.dev0"
