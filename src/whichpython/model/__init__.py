"""The model (docs/architecture.md), the bottom layer: the attrs models, the errors, their
JSON (the cattrs converter and the functions that use it), structuring with checks, and the
one rule for settings in seconds. It imports only the floor modules. Nothing is imported
here: the models' modules are imported by name (``cattrs`` only with the converter)."""
