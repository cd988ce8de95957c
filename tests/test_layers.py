"""The package's one rule (ganbook/__init__.py): imports go one way, down the layers, and
no module imports itself back through others.  Read from the source with ast, so a lazy
import inside a function counts as much as one at the top."""
import ast
from pathlib import Path

import pytest

import ganbook

LAYERS = {"base": 0, "data": 1, "core": 2, "measures": 3, "store": 3, "chapters": 4,
          "widgets": 5, "cli": 5, "__main__": 6}
ROOT = Path(ganbook.__file__).parent


def modules(root):
    """{dotted name: path} of every module under ``root`` (a package folder)."""
    pkg = root.name
    out = {}
    for p in sorted(root.rglob("*.py")):
        parts = list(p.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join([pkg, *parts])] = p
    return out


def imports(name, path, known):
    """The package's modules that ``name`` imports (absolute or relative, at any depth)."""
    tree = ast.parse(path.read_text(), str(path))
    here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(here[:len(here) - node.level + 1]) if node.level else ""
            mod = ".".join(x for x in (base, node.module or "") if x)
            targets = [f"{mod}.{a.name}" if f"{mod}.{a.name}" in known else mod for a in node.names]
        else:
            continue
        found.update(t for t in targets if t in known and t != name)
    return found


def layer(name):
    parts = name.split(".")
    return LAYERS.get(parts[1]) if len(parts) > 1 else None


def problems(root):
    """Upward imports and circles among the modules of the package at ``root``."""
    known = modules(root)
    graph = {n: imports(n, p, known) for n, p in known.items()}
    bad = []
    for a, targets in sorted(graph.items()):
        if layer(a) is None and a != root.name:
            bad.append(f"{a}: not in a layer (one of {sorted(LAYERS)})")
        for b in sorted(targets):
            la, lb = layer(a), layer(b)
            same_package = a.split(".")[:2] == b.split(".")[:2]
            if la is not None and lb is not None and lb > la or lb == la and not same_package:
                bad.append(f"{a} imports {b}: upward or sideways ({a.split('.')[1]} -> {b.split('.')[1]})")
    state = {}

    def visit(n, stack):                      # depth-first search for a back edge
        state[n] = "open"
        for m in sorted(graph[n]):
            if state.get(m) == "open":
                bad.append("circle: " + " -> ".join(stack[stack.index(m):] + [n, m]))
            elif m not in state:
                visit(m, stack + [n])
        state[n] = "done"
    for n in sorted(graph):
        if n not in state:
            visit(n, [])
    return bad


def test_imports_go_down_the_layers_without_circles():
    assert problems(ROOT) == []


def test_no_module_is_over_300_lines():
    long = {n: len(p.read_text().splitlines()) for n, p in modules(ROOT).items()}
    assert {n: k for n, k in long.items() if k > 300} == {}


def _tree(tmp_path, files):
    for rel, text in files.items():
        p = tmp_path / "pkg" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    for d in ["", "base", "core", "chapters"]:
        (tmp_path / "pkg" / d).mkdir(parents=True, exist_ok=True)
        (tmp_path / "pkg" / d / "__init__.py").touch()
    return tmp_path / "pkg"


@pytest.mark.parametrize("files, expected", [
    ({"base/a.py": "def f():\n    from pkg.core import b\n", "core/b.py": ""},
     "pkg.base.a imports pkg.core.b: upward"),
    ({"core/a.py": "from . import b\n", "core/b.py": "from .a import x\n"}, "circle: pkg.core.a -> pkg.core.b -> pkg.core.a"),
    ({"core/a.py": "from ..chapters.c import f\n", "chapters/c.py": ""}, "pkg.core.a imports pkg.chapters.c: upward"),
    ({"loose.py": ""}, "pkg.loose: not in a layer"),
])
def test_the_check_finds_upward_imports_and_circles(tmp_path, files, expected):
    found = problems(_tree(tmp_path, files))
    assert any(p.startswith(expected) for p in found), found


def test_the_check_passes_a_clean_tree(tmp_path):
    root = _tree(tmp_path, {"base/a.py": "", "core/b.py": "from pkg.base import a\nfrom . import c\n",
                            "core/c.py": "", "chapters/d.py": "from pkg.core.b import f\n"})
    assert problems(root) == []
