"""Turn a settings ValidationError into plain words: one line per setting, naming it and
saying what it must be, never echoing its value (it may be a secret)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

HEADER = "Configuration error (see .env.example):"
_URL_EXAMPLE = {
    "MJ_API_BASE_URL": "https://api.example.com, the aggregator's root without /mj",
    "PUBLIC_URL": "https://bot.example.com, where the aggregator reaches the bot",
}

# pydantic's error types -> what an operator reads; {name} fields come from the error's
# context (the limits the setting declares), never from the value given.
_PLAIN = {
    "missing": "missing",
    "url_scheme": "must start with http:// or https://",
    "url_too_long": "is too long for a web address",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "enum": "must be one of {expected}",
    "greater_than": "must be more than {gt}",
    "greater_than_equal": "must be at least {ge}",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be at most {le}",
    "string_type": "must be text",
    "path_type": "must be a file path",
}


def settings_problems(error: ValidationError) -> list[str]:
    """ "NAME: what is wrong" per setting (the first problem of each), in the order found;
    a rule between settings is its own line."""
    lines: dict[str, str] = {}
    for item in error.errors(include_input=False, include_url=False):
        if not item["loc"]:  # a rule between settings: its message names them
            text = _own_message(item)
            lines.setdefault(text, text)
            continue
        name = str(item["loc"][0]).upper()
        lines.setdefault(name, f"{name}: {plain(item, name)}")
    return list(lines.values())


def describe_settings_error(error: ValidationError) -> str:
    """A header, then one line per setting to fix."""
    return "\n".join([HEADER, *settings_problems(error)])


def plain(item: ErrorDetails, name: str) -> str:
    kind = item["type"]
    if kind in ("url_parsing", "url_syntax_violation", "url_type"):
        example = _URL_EXAMPLE.get(name, "https://host.example.com")
        return f"not a web address; write it like {example}"
    if kind == "string_too_short":
        minimum = _context(item).get("min_length", 1)
        return "must not be empty" if minimum == 1 else f"needs at least {minimum} characters"
    if kind == "value_error":  # our validators' own words (bot/config.py)
        return _own_message(item)
    template = _PLAIN.get(kind)
    if template is None:  # pydantic's wording: about the kind of value, not the value
        return str(item["msg"])
    try:
        return template.format(**_context(item))
    except (KeyError, IndexError):
        return str(item["msg"])


def _context(item: ErrorDetails) -> dict[str, Any]:
    """The limits of the error, numbers as an operator writes them (60, not 60.0)."""
    return {
        key: f"{value:g}" if isinstance(value, float) else value
        for key, value in (item.get("ctx") or {}).items()
    }


def _own_message(item: ErrorDetails) -> str:
    return str(item["msg"]).removeprefix("Value error, ")
