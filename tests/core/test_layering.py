"""bot/core stays Discord-free and settings-free, so it can be tested and reused alone:
it never imports discord, the Discord layer, the settings or the composition root.
(ruff's banned-api rule says the same for discord at edit time.)"""

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


FORBIDDEN_PREFIXES = ("bot.ui", "bot.config", "bot.app", "bot.discord_bot", "cogs")


def test_core_never_imports_discord_the_ui_the_settings_or_the_app() -> None:
    files = sorted(CORE.rglob("*.py"))
    assert files
    offenders = {
        str(path.relative_to(CORE)): sorted(
            name
            for name in imported_modules(path)
            if name.split(".")[0] == "discord"
            or any(name == p or name.startswith(p + ".") for p in FORBIDDEN_PREFIXES)
        )
        for path in files
    }
    assert {file: names for file, names in offenders.items() if names} == {}
