"""Turn a settings ValidationError into one line that names the settings, never their values."""

from __future__ import annotations

from pydantic import ValidationError


def describe_settings_error(error: ValidationError) -> str:
    missing: list[str] = []
    invalid: list[str] = []
    for item in error.errors(include_input=False, include_url=False):
        if not item["loc"]:  # a rule between settings: its message names them
            invalid.append(str(item["msg"]).removeprefix("Value error, "))
            continue
        name = str(item["loc"][0]).upper()
        if item["type"] == "missing":
            missing.append(name)
        else:
            # The message comes from the validator, never from the value (no secret echo).
            invalid.append(f"{name} ({item['msg']})")
    parts = []
    if missing:
        parts.append("missing setting " + ", ".join(missing))
    if invalid:
        parts.append("invalid setting " + "; ".join(invalid))
    return "Configuration error: " + "; ".join(parts) + ". See .env.example."
