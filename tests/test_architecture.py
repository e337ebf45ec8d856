"""The package's layers: imports flow one way, HTTP is spoken in one sub-package only.

Every import counts, module-level and function-level; only ``if TYPE_CHECKING:`` blocks
are left out (they never run).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PKG = Path(__file__).resolve().parent.parent / "labeling"

# Lower layers never import higher ones; packages of one layer do not import each other.
LAYERS = {
    "labeling.errors": -1, "labeling.version": -1,
    "labeling.files": 0, "labeling.state": 0, "labeling.schema": 0, "labeling.redact": 0,
    "labeling.segmenter": 1,
    "labeling.corpus": 2,
    "labeling.annotations": 3, "labeling.suggest": 3, "labeling.learn": 3,
    "labeling.studio": 4,
    "labeling.dataset": 5, "labeling.report": 5,
    "labeling.workflows": 6,
    "labeling.cli": 7, "labeling.__main__": 8,
    "labeling": 8,  # the public API re-exports the layers below it
}
HTTP_MODULES = {"httpx", "requests", "urllib.request", "http.client", "aiohttp", "label_studio_sdk"}


def module_name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING")


def imports(path: Path) -> Iterator[str]:
    """Every module ``path`` imports, resolved to absolute names."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]

    def walk(node: ast.AST) -> Iterator[str]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                yield from (x for n in child.orelse for x in walk_one(n))
                continue
            yield from walk_one(child)

    def walk_one(node: ast.AST) -> Iterator[str]:
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            yield mod
            for a in node.names:  # "from labeling.x import y" may name a module y
                yield f"{mod}.{a.name}"
        yield from walk(node)

    yield from walk(tree)


def ours() -> dict[str, set[str]]:
    names = {module_name(p) for p in PKG.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for p in PKG.rglob("*.py"):
        graph[module_name(p)] = {m for m in imports(p) if m in names and m != module_name(p)}
    return graph


def layer(mod: str) -> tuple[str, int]:
    best = max((k for k in LAYERS if mod == k or mod.startswith(k + ".")), key=len)
    return best, LAYERS[best]


def test_every_module_has_a_layer() -> None:
    for mod in ours():
        assert layer(mod), mod


def test_imports_flow_down_the_layers() -> None:
    wrong = []
    for mod, deps in ours().items():
        home, rank = layer(mod)
        for dep in deps:
            dep_home, dep_rank = layer(dep)
            if dep_home == home or dep == "labeling.version":
                continue
            if dep_rank >= rank:
                wrong.append(f"{mod} imports {dep}")
    assert not wrong, "\n".join(sorted(wrong))


def test_no_import_cycle() -> None:
    graph = ours()
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for d in sorted(graph.get(m, ())):
            if state.get(d) == 1:
                cycles.append(stack[stack.index(d):] + [d])
            elif d not in state:
                visit(d)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)
    # A package's __init__ re-exporting its own modules is not a cycle of logic.
    real = [c for c in cycles if not any(x.count(".") < c[0].count(".") for x in c)
            or len({x for x in c}) > 2]
    assert not real, "\n".join(" -> ".join(c) for c in real)


def test_http_is_spoken_only_in_the_studio_package() -> None:
    wrong = []
    for p in PKG.rglob("*.py"):
        mod = module_name(p)
        if mod.startswith("labeling.studio"):
            continue
        for dep in imports(p):
            if any(dep == h or dep.startswith(h + ".") for h in HTTP_MODULES):
                wrong.append(f"{mod} imports {dep}")
    assert not wrong, "\n".join(sorted(wrong))


def test_the_segmenter_is_pure() -> None:
    """Text in, units out: no file, network or process module, nothing of ours above it."""
    banned = {"os", "pathlib", "subprocess", "socket", "httpx", "datasets", "pandas"}
    for p in (PKG / "segmenter").rglob("*.py"):
        for dep in imports(p):
            top = dep.split(".")[0]
            assert top not in banned, f"{module_name(p)} imports {dep}"
            if dep.startswith("labeling."):
                assert dep.startswith(("labeling.segmenter", "labeling.errors")), (
                    f"{module_name(p)} imports {dep}")
