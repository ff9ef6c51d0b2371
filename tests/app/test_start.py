"""`python -m bot` as an operator runs it: a bad configuration said plainly, one line per
setting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.logging_setup import SecretRedactor

ROOT = Path(__file__).resolve().parents[2]


def start(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` in an empty folder, with only the given bot settings."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "MJ_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,  # no .env there
        env={**clean, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def problems(result: subprocess.CompletedProcess[str]) -> dict[str, str]:
    """A configuration error: its header, then "NAME: plain words" per setting."""
    assert result.returncode == 2 and result.stdout == ""
    assert "Traceback" not in result.stderr
    header, *lines = result.stderr.strip().splitlines()
    assert header == "Configuration error (see .env.example):"
    return dict(line.split(": ", 1) for line in lines)


def test_missing_settings_are_named_one_line_each(tmp_path: Path) -> None:
    assert problems(start(tmp_path)) == {
        "DISCORD_TOKEN": "missing",
        "MJ_API_BASE_URL": "missing",
        "MJ_API_KEY": "missing",
    }


def test_invalid_settings_are_said_in_plain_words_never_echoing_a_value(tmp_path: Path) -> None:
    result = start(
        tmp_path,
        DISCORD_TOKEN="discord-secret-value",
        MJ_API_KEY="mj-secret-value",
        MJ_API_BASE_URL="not a url secret-value",
        POLL_INTERVAL_SECONDS="-3",
        EDIT_INTERVAL_SECONDS="61",
        MJ_AUTH_STYLE="basic-secret-value",
        CREDITS_ENABLED="maybe-secret-value",
        DISCORD_GUILD_ID="my-guild-secret-value",
        PUBLIC_URL="ftp://secret-value.example.com",
        TRANSLATE_MODEL="",
    )
    assert problems(result) == {
        "MJ_API_BASE_URL": "not a web address; write it like https://api.example.com, "
        "the aggregator's root without /mj",
        "DISCORD_GUILD_ID": "must be a whole number",
        "MJ_AUTH_STYLE": "must be one of 'bearer' or 'mj-api-secret'",
        "POLL_INTERVAL_SECONDS": "must be more than 0",
        "EDIT_INTERVAL_SECONDS": "must be at most 60",
        "CREDITS_ENABLED": "must be true or false",
        "TRANSLATE_MODEL": "must not be empty",
        "PUBLIC_URL": "must start with http:// or https://",
    }
    assert "secret-value" not in result.stderr + result.stdout
    assert "Input should" not in result.stderr  # pydantic's wording stays out


def test_env_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "DISCORD_TOKEN=from-file\nMJ_API_KEY=from-file\nMJ_API_BASE_URL=http://127.0.0.1:1/mj/\n"
        "DATABASE_PATH=nested/dir/bot.db\n"
    )
    from bot.config import Settings

    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        settings = Settings(mj_api_key="from-env")  # type: ignore[call-arg]
    finally:
        os.chdir(cwd)
    assert settings.mj_api_key.get_secret_value() == "from-env"
    assert settings.discord_token.get_secret_value() == "from-file"
    assert settings.api_root == "http://127.0.0.1:1"  # "/mj" and the slash are dropped
    assert "from-file" not in repr(settings)


@pytest.mark.parametrize("where", ["message", "args", "exception"])
def test_log_records_are_scrubbed_of_secrets(where: str) -> None:
    import logging

    redactor = SecretRedactor(["tok-123456"])
    if where == "message":
        record = logging.LogRecord("x", logging.INFO, "f", 1, "token tok-123456 here", None, None)
    elif where == "args":
        record = logging.LogRecord("x", logging.INFO, "f", 1, "token %s", ("tok-123456",), None)
    else:
        try:
            raise RuntimeError("failed with tok-123456")
        except RuntimeError:
            record = logging.LogRecord("x", logging.ERROR, "f", 1, "boom", None, sys.exc_info())
    redactor.filter(record)
    text = record.getMessage() + (record.exc_text or "")
    assert "tok-123456" not in text and "***" in text


def test_a_database_that_refuses_is_one_line_without_the_password(
    tmp_path: Path, postgres_admin_url: str
) -> None:
    from urllib.parse import urlsplit

    server = urlsplit(postgres_admin_url)
    url = f"postgresql://mjtest:not-the-password-xyz@{server.hostname}:{server.port}/postgres"
    result = start(
        tmp_path,
        DISCORD_TOKEN="discord-secret-value",
        MJ_API_KEY="mj-secret-value",
        MJ_API_BASE_URL="http://127.0.0.1:9",
        DATABASE_URL=url,
    )
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Start-up error: DATABASE_URL") and "password" in line
    assert "not-the-password-xyz" not in result.stderr + result.stdout


def test_a_bad_price_list_stops_start_up_with_one_line(tmp_path: Path) -> None:
    result = start(
        tmp_path,
        DISCORD_TOKEN="discord-secret-value",
        MJ_API_KEY="mj-secret-value",
        MJ_API_BASE_URL="http://127.0.0.1:9",
        PRICES="imagine=2,fly=3",
        BUTTON_POLICY="everyone",
    )
    found = problems(result)
    assert "'fly=3'" in found["PRICES"] and "BUTTON_POLICY" in found
    assert "secret-value" not in result.stderr


def test_interaction_tokens_in_urls_are_blanked_from_logs() -> None:
    import logging

    record = logging.LogRecord(
        "discord.http", logging.DEBUG, __file__, 1,
        "PATCH https://discord.com/api/v10/webhooks/123/aW50ZXJhY3Rpb246MTIz.abc-_x/messages/@original"
        " and POST /interactions/456/tok.en-9/callback",
        None, None,
    )  # fmt: skip
    SecretRedactor([]).filter(record)
    text = record.getMessage()
    assert "aW50ZXJhY3Rpb246MTIz" not in text and "tok.en-9" not in text
    assert "/webhooks/123/***/messages/@original" in text and "/interactions/456/***/" in text


def test_help_and_version_answer_without_starting(tmp_path: Path) -> None:
    shown = start(tmp_path, "--help")
    assert shown.returncode == 0 and ".env.example" in shown.stdout and shown.stderr == ""
    version = start(tmp_path, "--version")
    assert version.returncode == 0 and version.stdout.startswith("python -m bot ")
    unknown = start(tmp_path, "--no-such-flag")
    assert unknown.returncode == 2 and "unrecognized arguments" in unknown.stderr
    assert not (tmp_path / "data").exists()  # none of them opened a database


@pytest.mark.parametrize("kind", ["not-sqlite", "empty", "folder"])
def test_a_database_path_that_cannot_be_the_database_is_one_line(tmp_path: Path, kind: str) -> None:
    if kind == "not-sqlite":
        path = tmp_path / "notes.txt"
        path.write_text("these are not a database\n")
        value = str(path)
    else:
        value = "" if kind == "empty" else str(tmp_path)
    result = start(
        tmp_path,
        DISCORD_TOKEN="discord-secret-value",
        MJ_API_KEY="mj-secret-value",
        MJ_API_BASE_URL="http://127.0.0.1:9",
        DATABASE_PATH=value,
    )  # within start()'s timeout: it ends, it does not hang
    assert result.returncode == 2, result  # a configuration error, as the issue asks
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Configuration error: DATABASE_PATH: ")
    assert line.endswith(("file is not a database", "unable to open database file"))
    if kind == "not-sqlite":
        assert (tmp_path / "notes.txt").read_text() == "these are not a database\n"
