"""No module of vqkit imports, directly or through others, a module that imports it.

The graph is read from the source with :mod:`ast`, so no module is run and
optional dependencies need not be installed.  Imports inside functions count
too: a cycle that only closes at call time still ties two modules together.
Imports under ``if TYPE_CHECKING:`` never run and do not count.
"""

import ast
from pathlib import Path

import vqkit

PACKAGE = Path(vqkit.__file__).parent


def _modules():
    """``{dotted name: (path, is_package)}`` of every module of vqkit."""
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        modules[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return modules


def _ancestors(name):
    """The packages ``name`` sits in, innermost last (``a.b.c`` -> ``a``, ``a.b``)."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _targets(name, is_package, node, modules):
    """The vqkit modules that the import statement ``node`` in module ``name`` names."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name in modules]
    if node.level:  # relative: from the module's package, one level up per extra dot
        package = name.split(".") if is_package else name.split(".")[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join(package + ([node.module] if node.module else []))
    else:
        base = node.module or ""
    found = []
    for alias in node.names:
        submodule = f"{base}.{alias.name}"
        if submodule in modules:  # from package import module
            found.append(submodule)
        elif base in modules:  # from module import name
            found.append(base)
    return found


def _type_checking_only(node):
    """Whether ``node`` is an ``if TYPE_CHECKING:`` block (imports for type
    hints only, which Python never runs)."""
    return (
        isinstance(node, ast.If)
        and isinstance(node.test, ast.Name)
        and node.test.id == "TYPE_CHECKING"
    )


def _graph(at_import_only):
    """Edges ``module -> modules it imports``, with the packages those sit in
    (Python imports them first) except the module's own, already imported.
    ``at_import_only``: only the statements that run when the module is
    imported (not those inside functions); otherwise every import, minus
    explicit ones of the module's own packages (imported before the module
    itself whatever it says, so such an import adds no dependency)."""
    modules = _modules()
    graph = {}
    for name, (path, is_package) in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        nodes = []
        pending = [tree]
        while pending:
            node = pending.pop()
            for child in ast.iter_child_nodes(node):
                if at_import_only and isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                if _type_checking_only(child):  # never runs: no dependency
                    continue
                if isinstance(child, (ast.Import, ast.ImportFrom)):
                    nodes.append(child)
                pending.append(child)
        own = set(_ancestors(name))
        edges = set()
        for node in nodes:
            for target in _targets(name, is_package, node, modules):
                edges.update(a for a in _ancestors(target) if a in modules and a not in own)
                edges.add(target)
        edges.discard(name)
        if not at_import_only:
            edges.difference_update(own)
        graph[name] = edges
    return graph


def _cycle(graph):
    """One cycle of ``graph`` as a list of modules (first == last), or None."""
    state = {}  # 1: on the current path, 2: done
    path = []

    def visit(node):
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_graph_covers_every_module():
    graph = _graph(at_import_only=False)
    assert {"vqkit", "vqkit.backends.cpu", "vqkit.backends.kernels.assign", "vqkit.cli"} <= set(
        graph
    )
    assert "vqkit.backends.kernels.assign" in graph["vqkit.backends.cpu"]
    # imports inside functions count: get_backend imports the CPU backend lazily
    assert "vqkit.backends.cpu" in graph["vqkit.backends"]


def test_no_import_cycles():
    cycle = _cycle(_graph(at_import_only=False))
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_no_import_cycles_at_import_time():
    cycle = _cycle(_graph(at_import_only=True))
    assert cycle is None, "import cycle when importing: " + " -> ".join(cycle)


def test_a_cycle_is_found():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
