"""The simulator's OpenAI-style chat endpoint (prompt translation) over real HTTP."""

from __future__ import annotations

import asyncio

import httpx

from bot.sim import Simulator

CHAT = "/v1/chat/completions"


def ask(text: str, model: str = "gpt-4o-mini") -> dict[str, object]:
    return {
        "model": model,
        "messages": [{"role": "system", "content": "translate"}, {"role": "user", "content": text}],
    }


async def answer(client: httpx.AsyncClient, text: str) -> str:
    response = await client.post(CHAT, json=ask(text))
    assert response.status_code == 200
    return str(response.json()["choices"][0]["message"]["content"])


async def test_the_same_question_gets_the_same_answer(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    assert await answer(client, "一只[[0]]红色[[1]]蓝色[[2]]的鸟") == (
        "a [[0]] red [[1]] blue [[2]] bird"
    )
    assert await answer(client, "一只[[0]]红色[[1]]蓝色[[2]]的鸟") == (
        "a [[0]] red [[1]] blue [[2]] bird"
    )
    assert await answer(client, "美丽的森林，水彩风格") == "beautiful forest, watercolor style"
    assert await answer(client, "麒麟") == "zh9e92 zh9e9f"  # unknown words stay recognisable
    assert sim.count("chat/completions") == 4 and sim.count() == 0  # not a midjourney route
    assert sim.chat.asked[-1] == "麒麟"


async def test_faults_and_bad_requests(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.faults.update({"chat_errors": 1, "chat_mangled": 1})
    assert (await client.post(CHAT, json=ask("一只猫"))).status_code == 500
    assert await answer(client, "一只[[0]]猫") == "a cat"  # the placeholder is lost
    assert await answer(client, "一只[[0]]猫") == "a [[0]] cat"
    assert (await client.post(CHAT, json={"model": "m", "messages": []})).status_code == 400
    sim.faults.chat_unsupported = True
    assert (await client.post(CHAT, json=ask("一只猫"))).status_code == 404
    sim.reset()
    assert sim.chat.asked == [] and sim.faults.chat_unsupported is False


async def test_a_slow_answer(sim: Simulator, client: httpx.AsyncClient) -> None:
    sim.faults.update({"chat_timeouts": 1, "timeout_seconds": 5.0})
    slow = asyncio.ensure_future(client.post(CHAT, json=ask("一只猫")))
    await asyncio.sleep(0.2)
    assert not slow.done()
    slow.cancel()
    assert await answer(client, "一只猫") == "a cat"  # the next one is on time


async def test_the_key_is_checked(sim: Simulator) -> None:
    sim.config.api_key = "sk-right"
    async with httpx.AsyncClient(base_url=sim.base_url, trust_env=False) as other:
        refused = await other.post(CHAT, json=ask("猫"), headers={"Authorization": "Bearer nope"})
        assert refused.status_code == 401
        ok = await other.post(CHAT, json=ask("猫"), headers={"Authorization": "Bearer sk-right"})
        assert ok.json()["choices"][0]["message"]["content"] == "cat"
