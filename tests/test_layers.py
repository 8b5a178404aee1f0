"""The layering of ARCHITECTURE.md: app/ never imports Qt or ui/; ui/ holds no SQL."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_app_never_imports_qt_or_ui() -> None:
    for path in (ROOT / "app").rglob("*.py"):
        for name in imported_modules(path):
            assert not name.startswith(("PySide6", "ui")), f"{path} imports {name}"


def test_ui_holds_no_sql() -> None:
    for path in (ROOT / "ui").rglob("*.py"):
        for name in imported_modules(path):
            assert not name.startswith(("sqlalchemy", "sqlite3")), f"{path} imports {name}"
            assert not name.startswith("app.persistence"), f"{path} imports {name}"


def test_sync_and_server_keep_to_their_layers() -> None:
    rules = {
        "app": ("PySide6", "ui", "sync", "server"),
        "sync": ("PySide6", "ui", "server"),
        "server": ("PySide6", "ui"),
    }
    for package, forbidden in rules.items():
        for path in (ROOT / package).rglob("*.py"):
            for name in imported_modules(path):
                assert not name.startswith(forbidden), f"{path} imports {name}"


def _app_package(path: Path) -> str:
    """The app/ sub-package (or top-level module) a file belongs to: app/billing/sepa.py ->
    billing, app/settings.py -> settings."""
    parts = path.relative_to(ROOT / "app").parts
    return parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")


def app_package_imports() -> dict[str, dict[str, list[str]]]:
    """{package: {imported package: [files importing it]}} between app/ sub-packages."""
    graph: dict[str, dict[str, list[str]]] = {}
    for path in sorted((ROOT / "app").rglob("*.py")):
        source = _app_package(path)
        if source == "__init__":
            continue
        for name in imported_modules(path):
            parts = name.split(".")
            if parts[0] == "app" and len(parts) > 1 and parts[1] != source:
                where = graph.setdefault(source, {}).setdefault(parts[1], [])
                where.append(str(path.relative_to(ROOT)))
    return graph


def import_cycles(graph: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """The strongly connected groups of more than one package (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, {}):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b": ["x"]}, "b": {"c": ["y"]}, "c": {"a": ["z"]}, "d": {"a": ["w"]}}
    assert import_cycles(graph) == [["a", "b", "c"]]
    assert import_cycles({"a": {"b": ["x"]}}) == []


def test_app_sub_packages_import_each_other_without_cycles() -> None:
    graph = app_package_imports()
    cycles = import_cycles(graph)
    detail = [
        f"{a} -> {b}: {', '.join(graph[a][b])}"
        for group in cycles
        for a in group
        for b in graph.get(a, {})
        if b in group
    ]
    assert not cycles, f"import cycles between app/ sub-packages: {cycles}\n" + "\n".join(detail)


def test_ui_never_imports_the_demo_generator() -> None:
    """The production client ships no demo data builder; the demo entry point injects it."""
    for path in (ROOT / "ui").rglob("*.py"):
        for name in imported_modules(path):
            assert not name.startswith("app.demo"), f"{path} imports {name}"


def test_no_time_is_shown_in_the_workstation_s_own_zone() -> None:
    """`at.astimezone()` with no zone gives the machine's zone (UTC on many office PCs, so
    08:31 in Paris shown as 07:31); times are shown in Paris or in the consumer's zone."""
    for package in ("ui", "app", "server", "sync"):
        for path in (ROOT / package).rglob("*.py"):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                assert ".astimezone()" not in line, f"{path}:{number}: {line.strip()}"
