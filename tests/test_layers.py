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
