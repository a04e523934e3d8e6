"""The package's shape: layers, no import cycles, imports at the top, small modules.

Layers, top to bottom (``docs/architecture.md``); a module imports only from its own
family or from a layer below it, every import at the top of its file. The only imports
inside functions are in ``dynsys/__init__.py`` (PEP 562 lazy exports) and in
``dynsys/commands/`` (start-up time), each with a comment saying why.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "dynsys"

#: Layer of each top-level family or module; a higher number imports only lower numbers.
LAYERS = {
    "errors": 0, "_types": 0, "_version": 0,
    "_numerics": 1, "_checks": 1, "_random": 1, "_io": 1,
    "core": 2, "sweep": 2, "_figures": 2,
    "latex": 3, "report": 3,
    "analysis": 4,
    "bifurcation": 5, "noise": 5, "hopfield": 5,
    "plots": 6, "__init__": 6,
    "explore": 7,  # the browser app: a presentation layer over analyses and plots' style
    "commands": 8,
    "cli": 9,
}
MAX_TOP_LEVEL_MODULES = 14
MAX_LINES = 650  # "about 600": a module past it holds two concepts


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _family(module: str) -> str:
    parts = module.split(".")
    return "__init__" if len(parts) == 1 else parts[1]


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _resolve(module: str, node: ast.ImportFrom | ast.Import) -> list[str]:
    """The dynsys modules an import statement loads."""
    out = []
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        base = node.module or ""
        if node.level:
            pkg = module.split(".")
            if not MODULES[module].name == "__init__.py":
                pkg = pkg[:-1]
            pkg = pkg[: len(pkg) - node.level + 1]
            base = ".".join([*pkg, base] if base else pkg)
        names = [base] + [f"{base}.{a.name}" for a in node.names]
    for nm in names:
        if nm in MODULES:
            out.append(nm)
    return out


def _imports(module: str) -> tuple[list[tuple[str, int]], list[tuple[int, str]]]:
    """(top-level dynsys imports with line, nested imports as (line, text))."""
    tree = ast.parse(MODULES[module].read_text())
    top, nested = [], []

    def visit(body: list[ast.stmt], depth: int) -> None:
        for node in body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                if depth == 0:
                    top.extend((m, node.lineno) for m in _resolve(module, node))
                else:
                    nested.append((node.lineno, ast.unparse(node)))
            elif isinstance(node, ast.If) and _is_type_checking(node):
                continue  # annotations only: never executed
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                visit(node.body, depth + 1)
            elif isinstance(node, ast.If | ast.Try | ast.With | ast.For | ast.While):
                for field in ("body", "orelse", "finalbody"):
                    visit(getattr(node, field, []) or [], depth)
                for h in getattr(node, "handlers", []):
                    visit(h.body, depth)

    visit(tree.body, 0)
    return top, nested


GRAPH = {m: _imports(m)[0] for m in MODULES}


def test_no_import_cycles() -> None:
    # a package's __init__ importing its own submodules is the package, not a cycle; a
    # submodule importing from its own package (``from dynsys.bifurcation import x``
    # inside dynsys/bifurcation/) reads the package while its __init__ is still running
    edges = {m: sorted({t for t, _ in GRAPH[m] if t != m}) for m in MODULES}
    state: dict[str, int] = defaultdict(int)
    cycles = []

    def dfs(m: str, stack: list[str]) -> None:
        state[m] = 1
        for t in edges[m]:
            if state[t] == 1:
                cycles.append(" -> ".join([*stack[stack.index(t):], t]))
            elif state[t] == 0:
                dfs(t, [*stack, t])
        state[m] = 2

    for m in MODULES:
        if state[m] == 0:
            dfs(m, [m])
    assert cycles == []


def test_no_upward_imports() -> None:
    bad = []
    for m, targets in GRAPH.items():
        fam = _family(m)
        for t, line in targets:
            tfam = _family(t)
            if tfam == fam:
                continue
            if LAYERS[tfam] >= LAYERS[fam]:
                bad.append(f"{m}:{line} imports {t} ({fam} {LAYERS[fam]} -> {tfam} "
                           f"{LAYERS[tfam]})")
    assert bad == []


def test_every_family_has_a_layer() -> None:
    assert {_family(m) for m in MODULES} <= set(LAYERS)


def _has_reason(lines: list[str], line: int) -> bool:
    """A comment on the import's line, or above its group of imports (blank lines between)."""
    if "#" in lines[line - 1]:
        return True
    i = line - 2
    while i >= 0:
        text = lines[i].strip()
        if "#" in text:
            return True
        if not text or text.startswith(("from ", "import ")) or text.endswith((",", "(")) \
                or text == ")":
            i -= 1
            continue
        return False
    return False


#: Optional dependencies (extras), imported where used because they may be absent.
OPTIONAL = {"distributed"}


def test_imports_at_the_top() -> None:
    bad = []
    for m, path in MODULES.items():
        _, nested = _imports(m)
        allowed = m == "dynsys" or m.startswith("dynsys.commands")
        lines = path.read_text().splitlines()
        for line, text in nested:
            if text.split()[1].split(".")[0] in OPTIONAL and _has_reason(lines, line):
                continue
            if not allowed:
                bad.append(f"{m}:{line}: {text}")
            elif not _has_reason(lines, line):
                bad.append(f"{m}:{line}: lazy import without a reason: {text}")
    assert bad == []


def test_few_top_level_modules_and_no_giant_module() -> None:
    top = [p.name for p in PACKAGE.glob("*.py")]
    assert len(top) <= MAX_TOP_LEVEL_MODULES, top
    long = {m: n for m, p in MODULES.items() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}


@pytest.mark.parametrize("family", ["core", "analysis", "bifurcation", "noise", "hopfield"])
def test_each_family_reexports_its_public_names(family: str) -> None:
    import importlib

    pkg = importlib.import_module(f"dynsys.{family}")
    for m in MODULES:
        if m.startswith(f"dynsys.{family}.") and not m.rsplit(".", 1)[1].startswith("_"):
            mod = importlib.import_module(m)
            for name in getattr(mod, "__all__", ()):
                assert getattr(pkg, name) is getattr(mod, name), f"{m}.{name}"


@pytest.mark.parametrize("code", [
    "import dynsys",
    "import dynsys.cli; dynsys.cli.build_parser()",
])
def test_start_up_loads_no_heavy_library(code: str) -> None:
    """``import dynsys`` and ``dynsys --help`` load neither sympy, scipy nor matplotlib."""
    import subprocess
    import sys

    probe = (f"{code}\nimport sys\n"
             "print(sorted({m.split('.')[0] for m in sys.modules} & "
             "{'sympy', 'scipy', 'matplotlib'}))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, timeout=60).stdout.strip()
    assert out == "[]"


def test_lazy_exports_resolve() -> None:
    """Every name in ``dynsys.__all__`` resolves to the object its module defines."""
    import importlib

    import dynsys

    for name, module in dynsys._EXPORTS.items():
        assert getattr(dynsys, name) is getattr(importlib.import_module(module), name)
    with pytest.raises(AttributeError):
        dynsys.no_such_name
