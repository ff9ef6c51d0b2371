FROM python:3.11-slim

WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1

COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
RUN pip install --no-cache-dir .

# The SQLite database lives here; mount a volume to keep jobs and buttons across upgrades.
VOLUME ["/app/data"]
ENV DATABASE_PATH=/app/data/bot.db

# Settings come from the environment (docker run --env-file .env ...).
CMD ["python", "-m", "bot"]
