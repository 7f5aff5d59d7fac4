"""The layout holds: the core never reaches into the admin, so no import cycle runs between them.

Read from the source (every import, also those inside functions), not from what happens to be loaded.
Run alone: `.venv/bin/python -m pytest -q tests/server/test_layout.py`.
"""

from __future__ import annotations

import ast
from pathlib import Path

SERVER = Path(__file__).resolve().parents[2] / "server"
ASSEMBLY = {"server.app", "server.cli"}  # where the admin's router and its CLI commands are plugged in


def _module(path: Path) -> str:
    parts = path.relative_to(SERVER.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(module imported, under `if TYPE_CHECKING:`) for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(node) for block in ast.walk(tree) if isinstance(block, ast.If)
                   and ast.unparse(block.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")
                   for stmt in block.body for node in ast.walk(stmt)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, id(node) in typing_only) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.module, id(node) in typing_only)]
            found += [(f"{node.module}.{alias.name}", id(node) in typing_only) for alias in node.names]
    return found


MODULES = {_module(path): _imports(path) for path in SERVER.rglob("*.py")}


def _is_admin(module: str) -> bool:
    return module == "server.admin" or module.startswith("server.admin.")


def test_only_the_assembly_imports_the_admin():
    offenders = sorted(f"{module} imports {name}" for module, imports in MODULES.items()
                       if not _is_admin(module) and module not in ASSEMBLY
                       for name, _ in imports if _is_admin(name))
    assert offenders == []


def test_the_admin_names_the_runtime_only_for_type_checking():
    offenders = sorted(f"{module} imports {name}" for module, imports in MODULES.items() if _is_admin(module)
                       for name, typing_only in imports
                       if (name == "server.runtime" or name.startswith("server.runtime.")) and not typing_only)
    assert offenders == []


def test_no_import_cycle_runs_between_the_admin_and_the_core():
    """With the admin taken as one package: nothing it imports (at run time) imports it back."""
    def node(name: str) -> str:
        return "server.admin" if _is_admin(name) else name

    graph: dict[str, set[str]] = {}
    for module, imports in MODULES.items():
        graph.setdefault(node(module), set()).update(
            node(name) for name, typing_only in imports if name in MODULES and not typing_only)

    def reaches(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for name in graph[todo.pop()] - seen:
                seen.add(name)
                todo.append(name)
        return seen

    assert sorted(m for m in reaches("server.admin") if m != "server.admin" and "server.admin" in reaches(m)) == []
