"""The segmenter's word lists: each defined once, in one module, never grown in place.

A name bound twice at module level means what it holds depends on line order (the engine's
cue set was once reassigned five times, and a set built between two of those assignments
read a different one than the passes did).
"""

from __future__ import annotations

import ast
import importlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

SEGMENTER = Path(__file__).resolve().parent.parent / "labeling" / "segmenter"
# Methods that grow or change a list, a set or a dict in place.
_MUTATORS = frozenset("add update extend append insert discard remove pop clear setdefault "
                      "difference_update intersection_update symmetric_difference_update".split())
# Module-level sets of strings outside the lexicon that are no word lists: the parse engine's
# spaCy dependency and part-of-speech labels.
NOT_WORDS = {"parsed": {"_SUBJ", "_CLIMB", "_OWNER", "_COMP", "_PERSONAL"}}


def _targets(node: ast.expr) -> Iterator[str]:
    if isinstance(node, ast.Name):
        yield node.id
    elif isinstance(node, (ast.Tuple, ast.List)):
        for elt in node.elts:
            yield from _targets(elt)
    elif isinstance(node, ast.Starred):
        yield from _targets(node.value)


def _module_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements that run at import: the module's body, and the bodies of its top-level
    ``if``/``try``/``with`` blocks (not functions or classes)."""
    for node in body:
        yield node
        if isinstance(node, ast.If):
            yield from _module_statements(node.body + node.orelse)
        elif isinstance(node, ast.Try):
            yield from _module_statements(node.body + node.orelse + node.finalbody
                                          + [s for h in node.handlers for s in h.body])
        elif isinstance(node, ast.With):
            yield from _module_statements(node.body)


def bindings(source: str) -> tuple[Counter[str], list[str]]:
    """(how often each module-level name is bound, in-place changes of module-level names)."""
    tree = ast.parse(source)
    count: Counter[str] = Counter()
    grown: list[str] = []
    for node in _module_statements(tree.body):
        if isinstance(node, ast.Assign):
            for t in node.targets:
                count.update(_targets(t))
                if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name):
                    grown.append(f"line {node.lineno}: {t.value.id}[...] = ...")
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            count.update(_targets(node.target))
        elif isinstance(node, ast.AugAssign):
            count.update(_targets(node.target))
            grown.append(f"line {node.lineno}: {ast.unparse(node.target)} {ast.unparse(node.op)}=")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for a in node.names:
                if a.name != "*":
                    count[(a.asname or a.name).split(".")[0]] += 1
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            count[node.name] += 1
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            count.update(_targets(node.target))
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            f = node.value.func
            if isinstance(f, ast.Attribute) and f.attr in _MUTATORS and \
                    isinstance(f.value, ast.Name):
                grown.append(f"line {node.lineno}: {f.value.id}.{f.attr}(...)")
    return count, grown


def _words(value: object) -> bool:
    """A non-empty set of words ("said", "went on", "co-host"), not of marks or letters."""
    return isinstance(value, (set, frozenset)) and bool(value) and all(
        isinstance(w, str) and len(w) > 1 and w.replace("-", "").replace(" ", "").isalpha()
        for w in value)


def test_no_module_level_name_is_assigned_twice() -> None:
    """Every module-level name of the segmenter is bound once, and nothing grows one in
    place (a set built from others is defined once, as the union, under its own name)."""
    problems = []
    for path in sorted(SEGMENTER.glob("*.py")):
        count, grown = bindings(path.read_text(encoding="utf-8"))
        problems += [f"{path.name}: {name} bound {n} times"
                     for name, n in sorted(count.items()) if n > 1]
        problems += [f"{path.name}: {g}" for g in grown]
    assert not problems, "\n".join(problems)


def test_the_check_sees_reassignment_and_growth() -> None:
    count, grown = bindings("A = {1}\nB = A\nA = A | {2}\nA |= {3}\nB.add(4)\nC: int = 1\n"
                            "D = {}\nD['x'] = 1\n")
    assert count["A"] == 3 and count["B"] == 1 and count["C"] == 1
    assert len(grown) == 3


def test_word_lists_live_in_the_lexicon() -> None:
    """No module of the segmenter but the lexicon defines a set of words of its own."""
    lexicon = importlib.import_module("labeling.segmenter.lexicon")
    shared = {id(v) for v in vars(lexicon).values()}
    found = []
    for path in sorted(SEGMENTER.glob("*.py")):
        name = path.stem
        if name in ("lexicon", "__init__"):
            continue
        mod = importlib.import_module(f"labeling.segmenter.{name}")
        for attr, value in vars(mod).items():
            if id(value) in shared or attr in NOT_WORDS.get(name, ()):
                continue
            if _words(value) or isinstance(value, dict) and value and _words(set(value)) and all(
                    isinstance(v, (set, frozenset)) and _words(v) for v in value.values()):
                found.append(f"{name}.{attr}")
    assert not found, f"word sets outside lexicon.py: {found}"
