"""A user's own stance model, loaded by import path (``suggestions.python_model``).

The schema names a class as ``package.module:Class``; it is imported, instantiated with
no arguments and checked for the two methods of :class:`~labeling.suggest.base.StanceModel`
(``fit`` and ``predict_proba``; an ``observe`` method, if it has one, is shown every unit's
text before each fit). Every failure is a :class:`ConfigError` naming the spec.
"""

from __future__ import annotations

import importlib
import re

from labeling.errors import ConfigError
from labeling.suggest.base import StanceModel

_SPEC = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*:[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$")


def load_python_model(spec: str) -> StanceModel:
    """Import ``package.module:Class``, instantiate it with no arguments and check it.

    Raises :class:`ConfigError` (naming ``spec``) when the spec is malformed, the module or
    class cannot be imported or instantiated, or the instance lacks a callable ``fit`` or
    ``predict_proba``.
    """
    where = f"suggestions.python_model {spec!r}"
    if not _SPEC.match(spec or ""):
        raise ConfigError(f"{where}: expected 'package.module:Class' (e.g. mymodels.stance:Model)")
    module_name, _, attr = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # ImportError, or any error the user's module raises
        raise ConfigError(
            f"{where}: cannot import module {module_name!r} ({type(exc).__name__}: {exc}); "
            "is it installed or on PYTHONPATH?"
        ) from exc
    obj: object = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise ConfigError(f"{where}: module {module_name!r} has no attribute {attr!r}")
        obj = getattr(obj, part)
    if not callable(obj):
        raise ConfigError(f"{where}: {attr!r} is not a class")
    try:
        model = obj()
    except Exception as exc:
        raise ConfigError(
            f"{where}: {attr}() failed ({type(exc).__name__}: {exc}); the class must be "
            "constructible with no arguments"
        ) from exc
    missing = [m for m in ("fit", "predict_proba") if not callable(getattr(model, m, None))]
    if missing:
        raise ConfigError(
            f"{where}: the model has no {' and no '.join(missing)} method; a stance model "
            "needs fit(items, labels) and predict_proba(items) (see labeling.suggest.base)"
        )
    assert isinstance(model, StanceModel)  # runtime_checkable: the two methods exist
    return model
