"""The Docker files without a Docker engine: hadolint and the compose-spec schema (as
.ci/run runs them), the few facts the Dockerfile, the compose file and .dockerignore must
agree on, and the HEALTHCHECK script against a real web server."""

from __future__ import annotations

import asyncio
import fnmatch
import json
import re
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from ruamel.yaml import YAML

from bot import healthcheck
from tests.app.bot_process import bot_env

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert found, f"{name} is in the test extras: pip install -e '.[test]'"
    return found


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = YAML(typ="safe").load((ROOT / "docker-compose.yml").read_text())
    return loaded


def final_stage() -> list[str]:
    """The instructions of the Dockerfile's last stage, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    lines = [line.strip() for line in joined.splitlines() if line.strip()]
    instructions = [line for line in lines if not line.startswith("#")]
    starts = [i for i, line in enumerate(instructions) if line.upper().startswith("FROM ")]
    return instructions[starts[-1] :]


def test_hadolint_passes() -> None:
    result = subprocess.run(
        [tool("hadolint"), "Dockerfile"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_compose_file_matches_the_compose_spec() -> None:
    result = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", "docker-compose.yml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_is_multi_stage_slim_unprivileged_and_runs_the_bot() -> None:
    froms = re.findall(r"^FROM\s+(\S+)", DOCKERFILE, flags=re.MULTILINE)
    assert len(froms) >= 2 and all(image == "python:3.11-slim" for image in froms)
    stage = final_stage()
    users = [line.split()[1] for line in stage if line.upper().startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("0", "root")
    assert stage[-1] == 'CMD ["python", "-m", "bot"]'
    (health,) = [line for line in stage if line.upper().startswith("HEALTHCHECK ")]
    assert '["python", "-m", "bot.healthcheck"]' in health
    assert 'VOLUME ["/app/data"]' in stage and "ENV DATABASE_PATH=/app/data/bot.db" in stage
    # The dependencies are installed before the code is copied in (their own layer).
    lines = DOCKERFILE.splitlines()
    first_deps = next(i for i, line in enumerate(lines) if "-r requirements.txt" in line)
    first_code = next(i for i, line in enumerate(lines) if line.startswith("COPY bot "))
    assert first_deps < first_code


def test_compose_reads_env_and_keeps_the_database_on_a_named_volume() -> None:
    spec = compose()
    # `docker compose up` without a profile: the one process on SQLite.
    (service,) = [s for s in spec["services"].values() if not s.get("profiles")]
    assert service["env_file"] == ".env"
    assert service["environment"]["DATABASE_PATH"] == "/app/data/bot.db"
    (mount,) = service["volumes"]
    name, target = mount.split(":")[:2]
    assert target == "/app/data" and name in spec["volumes"]
    assert service["restart"] == "unless-stopped"
    assert "command" not in service  # the image's CMD: python -m bot


def test_the_shared_profile_is_postgresql_and_two_processes_one_shard_each() -> None:
    spec = compose()
    shared = {n: s for n, s in spec["services"].items() if "shared" in s.get("profiles", [])}
    assert set(shared) == {"postgres", "bot-shard-0", "bot-shard-1"}
    database = shared["postgres"]
    assert database["image"].startswith("postgres:")
    (mount,) = database["volumes"]
    assert mount.split(":")[0] in spec["volumes"]  # the data outlives the container
    assert "pg_isready" in " ".join(database["healthcheck"]["test"])
    urls = set()
    for number in (0, 1):
        bot = shared[f"bot-shard-{number}"]
        env = bot["environment"]
        assert (env["SHARD_COUNT"], env["SHARD_IDS"]) == ("2", str(number))
        assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert bot["env_file"] == ".env" and bot["restart"] == "unless-stopped"
        assert "command" not in bot  # the image's CMD: python -m bot
        urls.add(env["DATABASE_URL"])
    (url,) = urls  # one database for both
    assert url.startswith("postgresql://bot:") and url.endswith("@postgres:5432/bot")


def test_dockerignore_keeps_secrets_out_and_what_the_build_copies_in() -> None:
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def ignored(path: str) -> bool:
        verdict = False
        for pattern in patterns:
            negate = pattern.startswith("!")
            bare = pattern.lstrip("!").rstrip("/")
            if fnmatch.fnmatch(path, bare) or fnmatch.fnmatch(path.split("/")[0], bare):
                verdict = not negate
        return verdict

    for secret in (".env", ".env.local", "data", "data/bot.db", "bot.db", ".git", ".venv"):
        assert ignored(secret), secret
    copied = re.findall(r"^COPY\s+(?!--from)(.+?)\s+\S+$", DOCKERFILE, flags=re.MULTILINE)
    for sources in copied:
        for source in sources.split():
            assert not ignored(source), source
            assert (ROOT / source).exists(), source


# -- the HEALTHCHECK script -----------------------------------------------------------


@pytest.mark.parametrize(
    ("listen", "url"),
    [
        ("0.0.0.0:8080", "http://127.0.0.1:8080/healthz"),
        ("127.0.0.1:9000", "http://127.0.0.1:9000/healthz"),
        ("[::]:8080", "http://[::1]:8080/healthz"),
        ("bot.internal:81", "http://bot.internal:81/healthz"),
    ],
)
def test_the_healthz_address_follows_web_listen(listen: str, url: str) -> None:
    assert healthcheck.healthz_url(listen) == url


def test_web_listen_comes_from_the_environment_then_dotenv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("WEB_LISTEN=0.0.0.0:8080\n")
    monkeypatch.delenv("WEB_LISTEN", raising=False)
    assert healthcheck.web_listen(env_file) == "0.0.0.0:8080"
    monkeypatch.setenv("WEB_LISTEN", "127.0.0.1:9")
    assert healthcheck.web_listen(env_file) == "127.0.0.1:9"
    monkeypatch.setenv("WEB_LISTEN", " ")
    assert healthcheck.web_listen(env_file) is None
    monkeypatch.delenv("WEB_LISTEN")
    assert healthcheck.web_listen(tmp_path / "none") is None


@pytest.fixture
async def health_server() -> AsyncIterator[tuple[str, dict[str, Any]]]:
    state: dict[str, Any] = {"status": 200, "body": {"gateway": True, "database": True}}

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response(state["body"], status=state["status"])

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"{host}:{port}", state
    finally:
        await runner.cleanup()


async def test_the_healthcheck_asks_healthz_when_the_web_server_is_on(
    health_server: tuple[str, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    listen, state = health_server
    url = healthcheck.healthz_url(listen)
    assert await asyncio.to_thread(healthcheck.ask_healthz, url) == 0
    state.update(status=503, body={"gateway": False, "database": True})
    assert await asyncio.to_thread(healthcheck.ask_healthz, url) == 1
    shown = capsys.readouterr().out.splitlines()[-1]
    assert shown.startswith(f"{url}: 503 ")
    assert json.loads(shown.split(" ", 2)[2])["gateway"] is False


def test_nothing_listening_is_unhealthy(capsys: pytest.CaptureFixture[str]) -> None:
    assert healthcheck.ask_healthz("http://127.0.0.1:9/healthz") == 1
    assert "no answer" in capsys.readouterr().out


async def test_without_web_listen_the_healthcheck_is_the_check(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.healthcheck",
        cwd=tmp_path,
        env=bot_env(),  # no bot settings, no WEB_LISTEN
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 1
    assert out.decode().splitlines()[0].startswith("settings: FAILED: DISCORD_TOKEN: missing;")
