"""`POST /v1/chat/completions` as new-api / one-api serve it beside the Midjourney routes:
the OpenAI chat format, the same key, for the bot's prompt translation.

The "model" is a small Chinese-English word list: the answer to the last user message
is the same for the same text, every CJK word it knows is replaced by its English,
an unknown character becomes `zh<hex>`, and everything else ([[0]] placeholders,
ASCII, spaces) is copied. Faults: `chat_errors` (HTTP 500), `chat_timeouts` (answer
after `timeout_seconds`), `chat_mangled` (placeholders dropped), `chat_unsupported` (404).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.sim.app import json_response

if TYPE_CHECKING:
    from bot.sim.server import Simulator

CHAT_PATHS = ("/v1/chat/completions", "/chat/completions")
_INVALID_TOKEN = {"error": {"message": "无效的令牌", "type": "new_api_error"}}
_PLACEHOLDER = re.compile(r"\[\[\d+\]\]")

WORDS = {
    "一只": "a",
    "一个": "a",
    "一座": "a",
    "猫": "cat",
    "小猫": "kitten",
    "狗": "dog",
    "狐狸": "fox",
    "鸟": "bird",
    "龙": "dragon",
    "城堡": "castle",
    "山": "mountain",
    "海": "sea",
    "海边": "seaside",
    "森林": "forest",
    "日落": "sunset",
    "夜晚": "night",
    "城市": "city",
    "未来": "futuristic",
    "红色": "red",
    "蓝色": "blue",
    "绿色": "green",
    "金色": "golden",
    "白色": "white",
    "黑色": "black",
    "可爱": "cute",
    "美丽": "beautiful",
    "水彩": "watercolor",
    "油画": "oil painting",
    "风格": "style",
    "赛博朋克": "cyberpunk",
    "宇航员": "astronaut",
    "骑": "riding",
    "马": "horse",
    "在": "in",
    "上": "on",
    "和": "and",
    "的": "",
    "，": ",",
    "。": ".",
    "、": ",",
}
_LONGEST = max(len(word) for word in WORDS)


def translate(text: str) -> str:
    """The simulator's deterministic 'translation' of one message."""
    out: list[str] = []
    i = 0
    while i < len(text):
        for size in range(min(_LONGEST, len(text) - i), 0, -1):
            english = WORDS.get(text[i : i + size])
            if english is not None:
                out.append(f" {english} " if english.isalnum() or " " in english else english)
                i += size
                break
        else:
            char = text[i]
            out.append(f" zh{ord(char):x} " if _is_cjk(char) else char)
            i += 1
    return re.sub(r" {2,}", " ", "".join(out)).replace(" ,", ",").replace(" .", ".").strip()


def _is_cjk(char: str) -> bool:
    return 0x3040 <= ord(char) <= 0x9FFF or 0xAC00 <= ord(char) <= 0xD7AF


class ChatLog:
    """What was asked (the user messages, in order), for tests."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def reset(self) -> None:
        self.asked.clear()


def chat_routes(sim: Simulator, authorized: Callable[[web.Request], bool]) -> list[web.RouteDef]:
    async def completions(request: web.Request) -> web.StreamResponse:
        sim.log.record_other("chat/completions")
        faults = sim.faults
        if faults.chat_unsupported:
            return web.Response(status=404, text="404 page not found")
        if not authorized(request):
            return json_response(_INVALID_TOKEN, 401)
        try:
            body = await request.json()
        except ValueError:
            body = None
        question = _question(body)
        if question is None:
            error = {"message": "messages must hold a user message", "type": "invalid_request"}
            return json_response({"error": error}, 400)
        sim.chat.asked.append(question)
        if faults.take_chat("chat_timeouts"):
            await asyncio.sleep(faults.timeout_seconds)
        if faults.take_chat("chat_errors"):
            return web.Response(status=500, text="500 Internal Server Error")
        answer = translate(question)
        if faults.take_chat("chat_mangled"):
            answer = " ".join(_PLACEHOLDER.sub("", answer).split())
        return json_response(_completion(body, answer, len(sim.chat.asked)))

    return [web.post(path, completions) for path in CHAT_PATHS]


def _question(body: Any) -> str | None:
    messages = body.get("messages") if isinstance(body, dict) else None
    if not isinstance(body, dict) or not isinstance(body.get("model"), str) or not messages:
        return None
    users = [
        m.get("content")
        for m in messages
        if isinstance(m, dict) and m.get("role") == "user" and isinstance(m.get("content"), str)
    ]
    return users[-1] if users else None


def _completion(body: dict[str, Any], answer: str, number: int) -> dict[str, Any]:
    asked = sum(len(str(m.get("content", ""))) for m in body["messages"] if isinstance(m, dict))
    return {
        "id": f"chatcmpl-sim-{number}",
        "object": "chat.completion",
        "created": 1_700_000_000 + number,
        "model": body["model"],
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": answer},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": asked,
            "completion_tokens": len(answer),
            "total_tokens": asked + len(answer),
        },
    }
