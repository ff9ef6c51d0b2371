"""The prompt translation cache, on a SQLite file and a real PostgreSQL."""

from __future__ import annotations

import asyncio

from bot.core.storage import SqlStorage

LONG = "一只猫在月光下的森林里，" * 400  # 4800 characters: too big for a plain index entry


async def test_a_translation_is_kept_per_model_and_text(any_storage: SqlStorage) -> None:
    store = any_storage.translations
    assert await store.get("gpt-4o-mini", "一只猫") is None
    await store.put("gpt-4o-mini", "一只猫", "a cat", at=1.0)
    assert await store.get("gpt-4o-mini", "一只猫") == "a cat"
    assert await store.get("gpt-4o", "一只猫") is None  # another model translates anew
    assert await store.get("gpt-4o-mini", "一只猫 ") is None  # the exact text only


async def test_the_first_translation_stays(any_storage: SqlStorage) -> None:
    store = any_storage.translations
    await store.put("m", "一只狗", "a dog", at=1.0)
    await store.put("m", "一只狗", "one dog", at=2.0)
    assert await store.get("m", "一只狗") == "a dog"


async def test_long_texts_and_racing_writers(any_storage: SqlStorage) -> None:
    store = any_storage.translations
    await asyncio.gather(*(store.put("m", LONG, f"answer {n}", at=float(n)) for n in range(5)))
    assert (await store.get("m", LONG) or "").startswith("answer ")


async def test_it_joins_a_transaction(any_storage: SqlStorage) -> None:
    async with any_storage.transaction() as stores:
        await stores.translations.put("m", "红色", "red", at=1.0)
        assert await stores.translations.get("m", "红色") == "red"
    assert await any_storage.translations.get("m", "红色") == "red"
