"""The segmenter engines by name (``--engine default|parse``), checked before any work.

Besides the built-in engines, a segmenter loaded at run time (a learned model,
:mod:`labeling.learn.use`) is registered under a name of its own for the duration of a
run: the name travels to worker processes (forked, they inherit the registry) and into
each output record's ``segmenter`` field.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from labeling.errors import InputError
from labeling.segmenter import Quote, segment

ENGINES = ("default", "parse")

Segmenter = Callable[[str], list[Quote]]
ManySegmenter = Callable[[Sequence[str]], list[list[Quote]]]

_REGISTERED: dict[str, Segmenter] = {}
_MANY: dict[str, ManySegmenter] = {}


def register_engine(name: str, fn: Segmenter, many: ManySegmenter | None = None) -> None:
    """Make ``fn`` the engine ``name`` in this process (and in the processes it forks);
    ``many``, if given, cuts several texts at once (the same units as ``fn``, faster)."""
    if name in ENGINES:
        raise ValueError(f"{name!r} is a built-in engine")
    _REGISTERED[name] = fn
    if many is not None:
        _MANY[name] = many


def unregister_engine(name: str) -> None:
    _REGISTERED.pop(name, None)
    _MANY.pop(name, None)


def segmenter_many(engine: str = "default") -> ManySegmenter:
    """The function that cuts several texts for ``engine``: its own if it has one, else
    :func:`segmenter`'s one text at a time."""
    if engine in _MANY:
        return _MANY[engine]
    one = segmenter(engine)
    return lambda texts: [one(t) for t in texts]


def segmenter(engine: str = "default") -> Segmenter:
    """The function that cuts a text into quote units for ``engine``.

    ``parse`` (the rule engine plus a spaCy dependency parse) loads its model here, so a
    missing spaCy or model fails before any file is written or any server is touched.
    """
    if engine == "default":
        return segment
    if engine in _REGISTERED:
        return _REGISTERED[engine]
    if engine == "parse":
        from labeling.segmenter.parsed import load_model, segment_parsed

        load_model()
        return segment_parsed
    raise InputError(f"unknown segmenter engine {engine!r}: use one of {', '.join(ENGINES)}")
