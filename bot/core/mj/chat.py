"""The aggregator's OpenAI-style chat endpoint, `POST {MJ_API_BASE_URL}/v1/chat/completions`,
as far as prompt translation needs it: one system and one user message, one answer.

new-api / one-api serve it beside the Midjourney routes with the same key, always as
`Authorization: Bearer`. The whole exchange has one deadline (TRANSLATE_TIMEOUT_SECONDS):
a slow answer is given up, never waited for. Error texts carry a status or an exception
name, never the key or the server's body.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from pydantic import SecretStr

from bot.core.translate import ChatError, ChatTimeoutError

CHAT_PATH = "/v1/chat/completions"


class ChatClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str,
        api_key: SecretStr,
        model: str,
        timeout: float,
    ) -> None:
        self._http = http
        self._url = base_url.rstrip("/") + CHAT_PATH
        self._api_key = api_key
        self._model = model
        self._timeout = timeout

    async def complete(self, system: str, user: str) -> str:
        body = {
            "model": self._model,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
            "temperature": 0,  # the same prompt should read the same every time
            "stream": False,
        }
        headers = {"Authorization": f"Bearer {self._api_key.get_secret_value()}"}
        try:
            async with asyncio.timeout(self._timeout):
                response = await self._http.post(
                    self._url,
                    json=body,
                    headers=headers,
                    timeout=self._timeout,
                    follow_redirects=False,  # a redirect could carry the key elsewhere
                )
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise ChatTimeoutError("the chat model did not answer in time") from exc
        except httpx.HTTPError as exc:
            raise ChatError(f"chat request failed: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise ChatError(f"chat request answered HTTP {response.status_code}")
        return _answer_text(response)


def _answer_text(response: httpx.Response) -> str:
    try:
        data: Any = response.json()
        content = data["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise ChatError("chat answer is not an OpenAI chat completion") from exc
    if not isinstance(content, str) or not content.strip():
        raise ChatError("chat answer has no text")
    return content
