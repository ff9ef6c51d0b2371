"""Prompt translation: what is protected, which answers are believed, and the translator
against the simulator's chat model over HTTP with a real SQLite cache."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr

from bot.core.mj.chat import ChatClient
from bot.core.storage import SqlStorage
from bot.core.translate import Outcome, PromptTranslator
from bot.core.translate_protect import has_cjk, protect
from bot.sim import Simulator
from tests.conftest import API_KEY


def test_parameters_and_leading_urls_are_not_sent_at_all() -> None:
    protected = protect("https://e.com/a.png https://e.com/b.png 一只猫 --ar 16:9 --no 狗")
    assert protected.head == "https://e.com/a.png https://e.com/b.png"
    assert (protected.text, protected.pieces) == ("一只猫", ())
    assert protected.tail == "--ar 16:9 --no 狗"


def test_weights_braces_escapes_and_inner_urls_become_placeholders() -> None:
    protected = protect("猫::2 {红色，蓝色\\, 白色} 看 https://e.com/{x}.png [[7]]")
    assert protected.text == "猫[[0]] [[1]]红色[[2]]蓝色[[3]] 白色[[4]] 看 [[5]] [[6]]"
    assert protected.pieces == ("::2", "{", "，", "\\,", "}", "https://e.com/{x}.png", "[[7]]")


def test_a_faithful_answer_is_restored_around_the_protected_parts() -> None:
    protected = protect("一只{红色,蓝色}的鸟::2 --ar 16:9")
    english = protected.restore("a [[0]]red[[1]] blue[[2]] bird[[3]]")
    assert english == "a {red, blue} bird::2 --ar 16:9"
    assert protected.restore('"a [[0]]red[[1]]blue[[2]] bird[[3]]"') == (
        "a {red,blue} bird::2 --ar 16:9"  # the quotes around a whole answer are dropped
    )


@pytest.mark.parametrize(
    "answer",
    [
        "a red blue bird",  # placeholders dropped
        "a [[0]]red[[1]] blue bird[[3]]",  # one missing
        "a [[1]]red[[0]] blue[[2]] bird[[3]]",  # reordered
        "a [[0]]red[[1]] blue[[2]] bird[[3]] [[3]]",  # doubled
        "a [[0]]red, green[[1]] blue[[2]] bird[[3]]",  # a new alternative
        "a [[0]]red[[1]] blue[[2]] bird[[3]] --v 5",  # a parameter added
        "a [[0]]red[[1]] blue[[2]] bird[[3]] {x}",  # a brace added
        "https://evil.example/x.png a [[0]]red[[1]] blue[[2]] bird[[3]]",  # a URL added
        "a [[0]]red[[1]] blue[[2]] bird::5[[3]]",  # a weight added
        "   ",
    ],
)
def test_an_answer_that_changes_a_protected_part_is_not_believed(answer: str) -> None:
    assert protect("一只{红色,蓝色}的鸟::2 --ar 16:9").restore(answer) is None


@pytest.mark.parametrize(
    ("text", "cjk"),
    [("一只猫", True), ("ねこ", True), ("고양이", True), ("a cat，。", False), ("café", False)],
)
def test_what_counts_as_cjk_words(text: str, cjk: bool) -> None:
    assert has_cjk(text) is cjk


def translator(
    sim: Simulator, http: httpx.AsyncClient, storage: SqlStorage, **kw: object
) -> PromptTranslator:
    chat = ChatClient(
        http,
        base_url=sim.base_url,
        api_key=SecretStr(API_KEY),
        model="gpt-4o-mini",
        timeout=float(kw.pop("timeout", 2.0)),  # type: ignore[arg-type]
    )
    return PromptTranslator(chat, storage.translations, model="gpt-4o-mini", max_chars=4000)


async def test_translated_once_then_from_the_cache(
    sim: Simulator, http: httpx.AsyncClient, storage: SqlStorage
) -> None:
    sim.config.api_key = API_KEY
    translate = translator(sim, http, storage).translate
    first = await translate("一只{红色，蓝色}的鸟 --ar 16:9")
    assert (first.outcome, first.prompt) == (Outcome.TRANSLATED, "a { red ， blue } bird --ar 16:9")
    assert first.options() == {
        "original_prompt": "一只{红色，蓝色}的鸟 --ar 16:9",
        "translation": "translated",
    }
    again = await translate("一只{红色，蓝色}的鸟 --ar 1:1")
    assert again.prompt == "a { red ， blue } bird --ar 1:1"
    assert sim.count("chat/completions") == 1
    (asked,) = sim.chat.asked
    assert asked == "一只[[0]]红色[[1]]蓝色[[2]]的鸟"


async def test_english_costs_no_call(
    sim: Simulator, http: httpx.AsyncClient, storage: SqlStorage
) -> None:
    result = await translator(sim, http, storage).translate("a cat --no 狗")
    assert (result.outcome, result.prompt, result.options()) == (None, "a cat --no 狗", {})
    assert sim.count("chat/completions") == 0


async def test_failures_fall_back_to_the_original(
    sim: Simulator, http: httpx.AsyncClient, storage: SqlStorage
) -> None:
    translate = translator(sim, http, storage, timeout=0.3).translate
    sim.faults.chat_errors = 1
    assert (await translate("一只猫")).outcome is Outcome.FAILED
    sim.faults.chat_mangled = 1
    assert (await translate("一只{猫,狗}")).outcome is Outcome.FAILED
    sim.faults.update({"chat_timeouts": 1, "timeout_seconds": 2.0})
    timed_out = await translate("一只狗")
    assert (timed_out.outcome, timed_out.prompt) == (Outcome.TIMED_OUT, "一只狗")
    sim.faults.chat_unsupported = True
    assert (await translate("一只鸟")).outcome is Outcome.FAILED
    sim.faults.chat_unsupported = False
    # Nothing of that was cached: the next try is asked again and works.
    assert (await translate("一只猫")).prompt == "a cat"


async def test_a_refused_key_is_a_failure_that_never_shows_the_key(
    sim: Simulator, http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    sim.config.api_key = "sk-another-key"
    chat = ChatClient(
        http, base_url=sim.base_url, api_key=SecretStr(API_KEY), model="m", timeout=2.0
    )
    with pytest.raises(Exception) as failed:
        await chat.complete("system", "一只猫")
    assert "401" in str(failed.value) and API_KEY not in str(failed.value)
    assert API_KEY not in caplog.text


async def test_the_request_is_an_openai_chat_completion(
    sim: Simulator, http: httpx.AsyncClient
) -> None:
    sim.config.api_key = API_KEY
    chat = ChatClient(
        http, base_url=sim.base_url + "/", api_key=SecretStr(API_KEY), model="m-1", timeout=2.0
    )
    assert await chat.complete("be brief", "一只猫") == "a cat"
    answer = (
        await http.post(
            sim.base_url + "/v1/chat/completions",
            headers={"Authorization": f"Bearer {API_KEY}"},
            json={"model": "m-1", "messages": [{"role": "user", "content": "红色"}]},
        )
    ).json()
    assert answer["object"] == "chat.completion" and answer["model"] == "m-1"
    assert answer["choices"][0]["message"] == {"role": "assistant", "content": "red"}
