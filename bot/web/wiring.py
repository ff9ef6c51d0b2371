"""The web server as the settings ask for it: its routes, and what to warn the operator
about in PUBLIC_URL and WEB_LISTEN. Built by the composition root (`bot.app`)."""

from __future__ import annotations

import ipaddress

from bot.config import Settings
from bot.core.metrics import BotMetrics
from bot.core.push import PushInbox
from bot.web.editor import EditorSite
from bot.web.health import HealthCheck, health_routes
from bot.web.metrics_routes import metrics_routes
from bot.web.push import push_routes
from bot.web.server import WebServer


def build_web(
    settings: Settings,
    metrics: BotMetrics,
    checks: HealthCheck,
    *,
    push: PushInbox | None = None,
    editor: EditorSite | None = None,
) -> WebServer:
    """The web server and its routes (each feature adds its own here)."""
    assert settings.listen is not None
    host, port = settings.listen
    server = WebServer(host, port)
    server.add_routes(health_routes(checks))  # /healthz
    server.add_routes(metrics_routes(metrics))  # /metrics
    if push is not None:
        server.add_routes(push_routes(push))  # /push/{job}/{secret}: notifyHook callbacks
    if editor is not None:
        server.add_routes(editor.routes())  # /editor/{token}: the Vary (Region) editor
        server.app.on_cleanup.append(editor.close)
    return server


def web_warnings(settings: Settings) -> list[str]:
    """What to warn the operator about, at start, in PUBLIC_URL and WEB_LISTEN."""
    url = settings.public_url
    if url is None:
        return []
    warnings = []
    if settings.listen is None:
        warnings.append(
            "PUBLIC_URL is set but WEB_LISTEN is not: no web server answers it, so no "
            "push callbacks are asked for and Vary (Region) keeps its modal"
        )
    if url.scheme == "http" and not _loopback(url.host or ""):
        warnings.append(
            "PUBLIC_URL is http:// on a host other than this machine: push secrets and "
            "editor links travel unencrypted; put a TLS reverse proxy in front (https://)"
        )
    return warnings


def _loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
