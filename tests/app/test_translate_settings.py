"""TRANSLATE_PROMPTS, TRANSLATE_MODEL and TRANSLATE_TIMEOUT_SECONDS: safe defaults, and
a bad value named in the configuration error."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from bot.config import Settings, TranslateMode

REQUIRED = {"discord_token": "t", "mj_api_key": "k", "mj_api_base_url": "http://127.0.0.1:1"}


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **REQUIRED, **values)  # type: ignore[call-arg]


def test_off_by_default_with_a_short_timeout() -> None:
    defaults = settings()
    assert defaults.translate_prompts is TranslateMode.OFF
    assert defaults.translate_model == "gpt-4o-mini"
    assert defaults.translate_timeout_seconds == 10.0
    assert settings(translate_prompts="AUTO").translate_prompts is TranslateMode.AUTO


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("translate_prompts", "yes"),
        ("translate_model", ""),
        ("translate_timeout_seconds", "0"),
        ("translate_timeout_seconds", "600"),
    ],
)
def test_bad_values_are_refused(name: str, value: str) -> None:
    with pytest.raises(ValidationError, match=name):
        settings(**{name: value})
