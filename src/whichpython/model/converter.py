"""The cattrs converter of the models' JSON (docs/schema.md). It imports none of the models,
so :meth:`whichpython.model.models.Interpreter.to_dict` can use it without a circle; the functions
that name models are in :mod:`whichpython.model.serialization`."""

from typing import Any, Union

import cattrs

converter = cattrs.Converter()


def _passthrough(value: Any, _type: Any) -> Any:
    if value is not None and not isinstance(value, (str, int, float)):
        raise TypeError(f"expected a string or a number, not {type(value).__name__}")
    return value


# Config vars (models.ConfigValue) and version tuples mix types; cattrs only needs to check
# they are scalars.
converter.register_structure_hook(Union[str, int, float, None], _passthrough)
converter.register_structure_hook(Union[int, str], _passthrough)
