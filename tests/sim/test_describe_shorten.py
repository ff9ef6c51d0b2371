"""Describe and shorten results, and the follow-up buttons on them."""

from __future__ import annotations

import base64

import httpx

from bot.sim import ManualClock, Simulator
from tests.sim.helpers import button, fetch, finished, png_data_url, submit

KEYCAPS = ["1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣"]


async def _describe(client: httpx.AsyncClient, clock: ManualClock, image: str) -> dict:
    task = await finished(
        client, clock, await submit(client, "/mj/submit/describe", {"base64": image})
    )
    assert task["status"] == "SUCCESS"
    return task


async def test_describe_success_shape(
    sim: Simulator, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    image = png_data_url(30, 20)
    task_id = await submit(client, "/mj/submit/describe", {"base64": image})
    running = await fetch(client, task_id)
    assert running["action"] == "DESCRIBE" and running["promptEn"] is None
    task = await finished(client, clock, task_id)
    assert task["prompt"] is None and task["description"] == "/describe"
    text = task["properties"]["finalPrompt"]
    assert text == task["promptEn"]
    entries = text.split("\n\n")
    assert len(entries) == 4
    for keycap, entry in zip(KEYCAPS, entries, strict=False):
        assert entry.startswith(keycap + " ") and entry.endswith("--ar 3:2")
    served = await client.get(task["imageUrl"])
    assert served.headers["content-type"] == "image/png"
    assert served.content == base64.b64decode(image.split(",", 1)[1])
    assert [(b["customId"], b["emoji"], b["label"]) for b in task["buttons"]] == [
        *[(f"MJ::Job::PicReader::{n}", KEYCAPS[n - 1], "") for n in range(1, 5)],
        ("MJ::Picread::Retry", "🔄", ""),
        ("MJ::Job::PicReader::all", "🎉", "Imagine all"),
    ]


async def test_picreader_opens_modal_then_imagines(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    described = await _describe(client, clock, png_data_url())
    second = described["promptEn"].split("\n\n")[1].removeprefix(KEYCAPS[1] + " ")
    answer = (
        await client.post(
            "/mj/submit/action",
            json={"taskId": described["id"], "customId": "MJ::Job::PicReader::2"},
        )
    ).json()
    assert answer["code"] == 21 and answer["description"] == "Waiting for window confirm"
    assert answer["properties"] == {"finalPrompt": second, "remix": True}
    modal_id = answer["result"]
    assert (await fetch(client, modal_id))["status"] == "MODAL"
    clock.advance(100)
    assert (await fetch(client, modal_id))["status"] == "MODAL"  # waits for /modal forever
    await submit(client, "/mj/submit/modal", {"taskId": modal_id, "prompt": second + " --chaos 5"})
    task = await finished(client, clock, modal_id)
    assert task["status"] == "SUCCESS" and task["action"] == "IMAGINE"
    assert task["prompt"] == second + " --chaos 5"
    assert button(task, label="U1")


async def test_retry_all_and_bookmark(
    sim: Simulator, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    described = await _describe(client, clock, png_data_url())
    retry = await submit(
        client, "/mj/submit/action", {"taskId": described["id"], "customId": "MJ::Picread::Retry"}
    )
    again = await finished(client, clock, retry)
    assert again["action"] == "DESCRIBE" and len(again["promptEn"].split("\n\n")) == 4
    all_ids = (
        await client.post(
            "/mj/submit/action",
            json={"taskId": described["id"], "customId": "MJ::Job::PicReader::all"},
        )
    ).json()["result"]
    assert len(all_ids.split(",")) == 4

    grid = await finished(client, clock, all_ids.split(",")[0])
    upscale = await finished(
        client,
        clock,
        await submit(
            client,
            "/mj/submit/action",
            {"taskId": grid["id"], "customId": button(grid, label="U2")},
        ),
    )
    before = len(sim.engine.tasks)
    heart = button(upscale, emoji="❤️")
    answer = (
        await client.post("/mj/submit/action", json={"taskId": upscale["id"], "customId": heart})
    ).json()
    assert answer["code"] == 1 and answer["result"] == upscale["id"]
    assert len(sim.engine.tasks) == before


async def test_shorten_success_and_buttons(client: httpx.AsyncClient, clock: ManualClock) -> None:
    prompt = (
        "appdash appdash, in the style of expert draftsmanship, commission for, ethereal, "
        "dreamlike quality, dadaistic, toonami --ar 16:9"
    )
    task_id = await submit(client, "/mj/submit/shorten", {"prompt": prompt})
    assert (await fetch(client, task_id))["description"] == f"/shorten {prompt}"
    task = await finished(client, clock, task_id)
    assert task["action"] == "SHORTEN" and task["prompt"] == prompt and task["imageUrl"] is None
    text = task["properties"]["finalPrompt"]
    assert task["description"] == text
    assert text.startswith("## Important tokens\n")
    tokens, shortened = text.split("\n## Shortened prompts\n")
    assert "**" in tokens
    entries = shortened.split("\n\n")
    assert [e[: len(k)] for e, k in zip(entries, KEYCAPS, strict=True)] == KEYCAPS
    prompts = [e.split(" ", 1)[1] for e in entries]
    counts = [len(p.replace(",", " ").split()) for p in prompts]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]
    source_words = set(prompt.replace(",", " ").split())
    assert all(set(p.replace(",", " ").split()) <= source_words for p in prompts)
    assert "--ar" not in shortened
    job_hash = task["buttons"][0]["customId"].split("::")[3]
    assert [(b["customId"], b["emoji"], b["label"]) for b in task["buttons"]] == [
        *[(f"MJ::Job::PromptAnalyzer::{job_hash}::{n}", KEYCAPS[n - 1], "") for n in range(1, 6)],
        (f"MJ::Job::PromptAnalyzer::{job_hash}::details", "", "Show Details"),
    ]
    answer = (
        await client.post(
            "/mj/submit/action",
            json={"taskId": task_id, "customId": f"MJ::Job::PromptAnalyzer::{job_hash}::3"},
        )
    ).json()
    assert answer["code"] == 21 and answer["properties"]["finalPrompt"] == prompts[2]
    details = await submit(
        client,
        "/mj/submit/action",
        {"taskId": task_id, "customId": f"MJ::Job::PromptAnalyzer::{job_hash}::details"},
    )
    shown = await finished(client, clock, details)
    assert shown["action"] == "SHORTEN" and "## Token weights" in shown["description"]
