"""bot/core stays Discord-free, so it can be tested and reused without Discord."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "bot" / "core"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_never_imports_discord_or_the_ui() -> None:
    files = sorted(CORE.rglob("*.py"))
    assert files
    offenders = {
        str(path.relative_to(CORE)): sorted(
            name
            for name in imported_modules(path)
            if name.split(".")[0] == "discord" or name.startswith(("bot.ui", "cogs"))
        )
        for path in files
    }
    assert {file: names for file, names in offenders.items() if names} == {}
