# The bot in a container: `docker compose up -d --build` (docker-compose.yml), or
#   docker build -t mj-discord-bot .
#   docker run -d --env-file .env -v mj-bot-data:/app/data --restart unless-stopped mj-discord-bot
# See the README, "Running in production".

# -- build: a virtual environment with the dependencies, then the bot ------------------------
FROM python:3.11-slim AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src

# Dependencies in their own layer: rebuilt only when pyproject.toml changes, not the code.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
    && pip install --no-cache-dir -r requirements.txt

COPY README.md ./
COPY bot ./bot
COPY cogs ./cogs
RUN pip install --no-cache-dir --no-deps .

# -- runtime: the environment alone, run by an unprivileged user -----------------------------
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/venv/bin:$PATH
RUN groupadd --system --gid 10001 bot \
    && useradd --system --uid 10001 --gid bot --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin bot \
    && mkdir -p /app/data \
    && chown bot:bot /app/data
COPY --from=build /opt/venv /opt/venv

WORKDIR /app
USER 10001:10001

# The SQLite database (jobs, buttons, credits) lives on this volume: keep it across upgrades.
# Settings come from the environment (env_file in docker-compose.yml, or --env-file).
ENV DATABASE_PATH=/app/data/bot.db
VOLUME ["/app/data"]

# With WEB_LISTEN set (e.g. 0.0.0.0:8080) the bot's own /healthz answers; without it,
# `python -m bot --check` (settings, database, aggregator, Discord login) does.
HEALTHCHECK --interval=60s --timeout=45s --start-period=60s --retries=3 \
    CMD ["python", "-m", "bot.healthcheck"]

# SIGTERM (docker stop) stops the bot cleanly; give it the time: docker stop -t 30.
STOPSIGNAL SIGTERM
CMD ["python", "-m", "bot"]
