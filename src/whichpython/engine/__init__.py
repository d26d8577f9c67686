"""The engine (docs/architecture.md): a search (discovery, searching, the deadline, the
policy that ranks), the environments of a project (projects), one interpreter inspected
(inspection), and what needs an inspection: creating a venv (venvs) and repairing a relocated
sysconfig (repair). It may import the facts, the cache, the probe, the sources, the request
and the model layers, and the floor modules; nothing of the CLI, the server or the
integrations. Nothing is imported here: ``whichpython.engine.discovery`` and the others are
imported by name."""
