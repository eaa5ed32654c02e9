"""The import graph of marketplace/ has no cycle, counting imports inside functions too: a cycle
held together by function-level imports is still a cycle (adapters import downward only)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "marketplace"


def modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package (packages by __init__)."""
    found = {}
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imports_of(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The package's modules that `name` imports anywhere in its file (top level or in functions).
    `from . import x` imports module x when x is a module; `from .x import y` imports x (and x.y
    when y is a submodule). Importing a module also runs its package's __init__, but that edge is
    left out: a package __init__ that only wires its own submodules would otherwise always close
    a cycle with them."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(package, node.module, node.level)
            submodules = [
                f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in known
            ]
            # `from . import x` of a module x imports x; a name defined in the package imports it.
            targets = submodules + ([base] if len(submodules) < len(node.names) else [])
        else:
            continue
        for target in targets:
            module = _known_prefix(target, known)
            if module is not None and module != name:
                found.add(module)
    return found


def _resolve(package: str, module: str | None, level: int) -> str:
    if level == 0:
        return module or ""
    parts = package.split(".")
    base = parts[: len(parts) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def _known_prefix(target: str, known: dict[str, Path]) -> str | None:
    """The longest module name of the package that `target` is or lies in (x.y.z -> x.y)."""
    parts = target.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in known:
            return candidate
        parts.pop()
    return None


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports_of(name, path, known) for name, path in known.items()}


def find_cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan)."""
    index, low, on_stack, stack, components = {}, {}, set(), [], []
    counter = [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return [_cycle_in(set(c), edges) for c in components]


def _cycle_in(component: set[str], edges: dict[str, set[str]]) -> list[str]:
    """A concrete path a -> b -> ... -> a inside a strongly connected component."""
    start = min(component)
    path, seen = [start], {start}
    while True:
        node = path[-1]
        for nxt in sorted(edges[node] & component):
            if nxt == start and len(path) > 1:
                return path + [start]
            if nxt not in seen:
                path.append(nxt)
                seen.add(nxt)
                break
        else:
            return _shortest_back(start, component, edges)


def _shortest_back(start, component, edges):
    frontier, parent = [start], {start: None}
    while frontier:
        node = frontier.pop(0)
        for nxt in sorted(edges[node] & component):
            if nxt == start:
                path = [node]
                while parent[path[-1]] is not None:
                    path.append(parent[path[-1]])
                return list(reversed(path)) + [start]
            if nxt not in parent:
                parent[nxt] = node
                frontier.append(nxt)
    return sorted(component)


def test_the_import_graph_of_marketplace_has_no_cycle():
    cycles = find_cycles(graph())
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_the_walker_sees_imports_inside_functions_and_relative_ones():
    edges = graph()
    assert "marketplace.services.checkout" in edges["marketplace.services.reservations"]
    assert "marketplace.models" in edges["marketplace.services.holds"]
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
