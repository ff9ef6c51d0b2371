"""The Vary (Region) editor without a browser: the mask drawn from shapes, the links'
store and rules, and the HTTP side through the real bot (where results go, what is
refused, what is logged)."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import math
import random
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from pydantic import ValidationError
from sqlalchemy import select, update

from bot.core.editor_links import EditorLink, EditorLinks, LinkRefusal, LinkRefusedError
from bot.core.editor_mask import (
    MAX_SHAPES,
    MaskSizeError,
    MaskTooComplexError,
    Painting,
    check_mask,
    draw_mask,
)
from bot.core.i18n import t
from bot.core.models import MessageKind, MessageRef, Origin
from bot.core.presses import DOUBLE_CLICK_WINDOW
from bot.core.storage import SqlStorage
from bot.core.storage.schema import editor_links
from tests.e2e.harness import Harness, harness, web_settings
from tests.web.editor_helpers import (
    expire,
    press_region,
    received_mask,
    shape_body,
    token_of,
    upscaled,
)

USER = 7301
ORIGIN = Origin(
    user_id=USER,
    guild_id=5,
    locale="zh-CN",
    message=MessageRef(channel_id=6, interaction_token="press-token", token_expires_at=2e9),
    role_ids=frozenset({11, 12}),
)


def mask_of(width: int, height: int, *shapes: dict[str, Any]) -> Image.Image:
    png = draw_mask(width, height, Painting.model_validate({"shapes": list(shapes)}))
    return Image.open(io.BytesIO(png)).convert("L")


# ---------------------------------------------------------------- the mask


def pixels_of(mask: Image.Image) -> list[tuple[tuple[int, int], int]]:
    width, height = mask.size
    return [((x, y), int(mask.getpixel((x, y)))) for y in range(height) for x in range(width)]


def test_a_rectangle_covers_exactly_its_pixels() -> None:
    mask = mask_of(100, 50, {"type": "rect", "x1": 0.5, "y1": 0.8, "x2": 0.1, "y2": 0.2})
    white = {(x, y) for y in range(50) for x in range(100) if mask.getpixel((x, y)) == 255}
    assert white == {(x, y) for x in range(10, 50) for y in range(10, 40)}
    assert {v for _, v in pixels_of(mask)} == {0, 255}


def test_lasso_and_brush_paint_white_on_black() -> None:
    lasso = {"type": "lasso", "points": [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]}
    dot = {"type": "brush", "size": 0.1, "points": [[0.8, 0.8]]}
    mask = mask_of(200, 200, lasso, dot)
    assert mask.getpixel((20, 20)) == 255 and mask.getpixel((150, 100)) == 0
    assert mask.getpixel((160, 160)) == 255  # the dot's centre
    assert mask.getpixel((160, 168)) == 255 and mask.getpixel((160, 173)) == 0  # radius 10
    stroke = {"type": "brush", "size": 0.05, "points": [[0.1, 0.9], [0.5, 0.9], [0.5, 0.95]]}
    mask = mask_of(200, 200, stroke)
    assert all(mask.getpixel((x, 180)) == 255 for x in range(20, 100))
    assert mask.getpixel((60, 170)) == 0


@pytest.mark.parametrize(
    "shapes",
    [
        [],
        [{"type": "rect", "x1": 0.1, "y1": 0.1, "x2": 1.5, "y2": 0.5}],
        [{"type": "rect", "x1": "nan", "y1": 0.1, "x2": 0.5, "y2": 0.5}],
        [{"type": "rect", "x1": 0.1, "y1": 0.1, "x2": 0.5, "y2": 0.5, "fill": 1}],
        [{"type": "bitmap", "png": "iVBORw0KGgo="}],
        [{"type": "lasso", "points": [[0.1, 0.1], [0.2, 0.2]]}],
        [{"type": "brush", "size": 0.9, "points": [[0.1, 0.1]]}],
        [{"type": "brush", "size": 0.1, "points": [[0.1, 0.1]] * 5001}],
        [{"type": "brush", "size": 0.1, "points": [[0.1, 0.1]] * 4000}] * 6,
        [{"type": "rect", "x1": 0.1, "y1": 0.1, "x2": 0.5, "y2": 0.5}] * (MAX_SHAPES + 1),
    ],
)
def test_shapes_out_of_bounds_are_refused(shapes: list[dict[str, Any]]) -> None:
    with pytest.raises(ValidationError):
        Painting.model_validate({"shapes": shapes})


def _scattered(count: int, seed: int) -> list[list[float]]:
    rng = random.Random(seed)
    return [[rng.random(), rng.random()] for _ in range(count)]


# Under the body's cap: seconds of drawing before the brushes' cost was bounded.
COSTLY_BRUSHES = [{"type": "brush", "size": 0.5, "points": _scattered(5000, n)} for n in range(4)]


@pytest.mark.parametrize(
    "shapes",
    [
        COSTLY_BRUSHES,
        [{"type": "brush", "size": 0.002, "points": _scattered(5000, n)} for n in range(4)],
        [{"type": "lasso", "points": _scattered(5000, n)} for n in range(4)],
    ],
    ids=["wide-brushes", "thin-brushes", "lassos"],
)
def test_a_painting_too_costly_to_draw_is_refused_at_once(shapes: list[dict[str, Any]]) -> None:
    painting = Painting.model_validate({"shapes": shapes})
    started = time.process_time()
    with pytest.raises(MaskTooComplexError):
        check_mask(2048, 2048, painting)
    with pytest.raises(MaskTooComplexError):
        draw_mask(2048, 2048, painting)
    assert time.process_time() - started < 1.0


def test_a_dense_stroke_is_thinned_and_still_drawn_round() -> None:
    # A quarter circle in 5000 points a tenth of a pixel apart: far too many discs to
    # draw one each, the same stroke once thinned.
    centre, arc, size = (20.0, 20.0), 150.0, 0.1  # 200 px: a brush of 20 px
    points = [
        [
            (centre[0] + arc * math.cos(i / 4999 * math.pi / 2)) / 200,
            (centre[1] + arc * math.sin(i / 4999 * math.pi / 2)) / 200,
        ]
        for i in range(5000)
    ]
    stroke = {"type": "brush", "size": size, "points": points}
    mask = mask_of(200, 200, stroke)
    for y in range(200):
        for x in range(200):
            distance = abs(math.dist((x + 0.5, y + 0.5), centre) - arc)
            angle = math.atan2(y + 0.5 - centre[1], x + 0.5 - centre[0])
            if 0 <= angle <= math.pi / 2 and distance < 10 - 1.5:
                assert mask.getpixel((x, y)) == 255, (x, y)
            elif distance > 10 + 1.5 and math.dist((x, y), centre) < arc + 30:
                ends = min(
                    math.dist((x + 0.5, y + 0.5), (p[0] * 200, p[1] * 200))
                    for p in (points[0], points[-1])
                )
                if ends > 10 + 1.5:
                    assert mask.getpixel((x, y)) == 0, (x, y)
    # The round ends.
    assert mask.getpixel((round(centre[0] + arc + 9), 20)) == 255
    assert mask.getpixel((20, round(centre[1] + arc + 9))) == 255


def test_no_mask_for_an_image_too_large() -> None:
    painting = Painting.model_validate(
        {"shapes": [{"type": "rect", "x1": 0, "y1": 0, "x2": 1, "y2": 1}]}
    )
    for width, height in ((0, 10), (9000, 10), (7000, 7000)):
        with pytest.raises(MaskSizeError):
            draw_mask(width, height, painting)


# ---------------------------------------------------------------- the links


async def test_links_are_stored_hashed_used_once_and_released(any_storage: SqlStorage) -> None:
    now = [1000.0]
    links = EditorLinks(any_storage.editor_links, clock=lambda: now[0])
    job = await any_storage.jobs.create(_new_job(), at=now[0])
    token = await links.issue(ORIGIN, job.id, 3)
    async with any_storage.engine.connect() as conn:
        stored = (await conn.execute(select(editor_links))).mappings().one()
    assert token not in json.dumps(dict(stored)), "the token itself is never stored"

    link = await links.check(token)
    assert (link.job_id, link.button_index, link.user_id) == (job.id, 3, USER)
    assert link.origin == ORIGIN and link.expires_at == now[0] + 30 * 60
    used = await links.use(token)
    await _refused(links.use(token), LinkRefusal.USED)
    await links.release(used)  # nothing was submitted after all
    assert (await links.use(token)).used_at == now[0]
    await _refused(links.check(token), LinkRefusal.USED)

    other = await links.issue(ORIGIN, job.id, 3)
    now[0] += 30 * 60
    await _refused(links.check(other), LinkRefusal.EXPIRED)
    assert not await any_storage.editor_links.use(used.token_hash, at=now[0])
    await _refused(links.check(other[:-1] + "~"), LinkRefusal.UNKNOWN)
    await _refused(links.check("short"), LinkRefusal.UNKNOWN)

    now[0] += 86400 + 1
    await links.issue(ORIGIN, job.id, 3)  # purges the links expired a day ago
    await _refused(links.check(other), LinkRefusal.UNKNOWN)


async def test_a_link_whose_origin_names_another_user_is_unknown(storage: SqlStorage) -> None:
    job = await storage.jobs.create(_new_job(), at=1.0)
    links = EditorLinks(storage.editor_links, new_token=lambda: "x" * 43)
    await links.issue(ORIGIN, job.id, 0)
    forged = ORIGIN.model_copy(update={"user_id": USER + 1})
    async with storage.engine.begin() as conn:
        await conn.execute(update(editor_links).values(origin=forged.model_dump_json()))
    await _refused(links.check("x" * 43), LinkRefusal.UNKNOWN)


async def _refused(call: Any, reason: LinkRefusal) -> None:
    with pytest.raises(LinkRefusedError) as caught:
        await call
    assert caught.value.reason is reason


def _new_job() -> Any:
    from bot.core.models import JobKind, NewJob

    return NewJob(JobKind.IMAGINE, ORIGIN, prompt="cat")


# ---------------------------------------------------------------- through the bot


async def test_without_public_url_vary_region_keeps_its_modal(tmp_path: Path) -> None:
    listen_only = {"web_listen": web_settings()["web_listen"]}
    async with harness(tmp_path, **listen_only) as h:
        upscale = await upscaled(h)
        region = next(b for b in upscale.buttons() if b.label == "Vary (Region)")
        assert region.custom_id is not None
        opened = await h.dispatch(h.factory.button_click(upscale, region.custom_id))
        assert opened.callback_type == 9  # the modal, as without a web server
        async with httpx.AsyncClient() as http:
            assert (await http.get(f"{h.web_url}/editor/{'x' * 43}")).status_code == 404


async def test_bad_submits_change_nothing_and_the_link_still_works(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with harness(tmp_path, **web_settings()) as h:
        url, press_token = await press_region(h, await upscaled(h))
        token = token_of(url)
        bad_bodies: list[Any] = [
            b"not json",
            b'["a list"]',
            shape_body(url, shapes=[]),
            shape_body(url, prompt="   "),
            shape_body(url, shapes=[{"type": "rect", "x1": 0, "y1": 0, "x2": 2, "y2": 1}]),
            shape_body(url, shapes="everything"),
            shape_body(url, mask="data:image/png;base64,AAAA"),
            {"prompt": "a dog", "shapes": shape_body(url)["shapes"]},  # no token
        ]
        with caplog.at_level(logging.INFO):
            async with httpx.AsyncClient() as http:
                for body in bad_bodies:
                    if isinstance(body, bytes):
                        answer = await http.post(url, content=body)
                    else:
                        answer = await http.post(url, json=body)
                    assert 400 <= answer.status_code < 500, body
                    assert answer.json()["ok"] is False and answer.json()["message"]
                huge = json.dumps(shape_body(url, prompt="x" * (1024 * 1024)))
                answer = await http.post(url, content=huge)
                assert answer.status_code == 413
                assert h.sim.count("submit/modal") == 0

                page = await http.get(url)
                assert page.status_code == 200 and "no-referrer" in page.headers["Referrer-Policy"]
                assert "script-src 'self'" in page.headers["Content-Security-Policy"]
                image = await http.get(f"{url}/image")
                assert image.status_code == 200 and image.headers["Content-Type"] == "image/png"
                answer = await http.post(url, json=shape_body(url))
                assert answer.status_code == 200 and answer.json()["ok"] is True
        assert h.sim.count("submit/modal") == 1
        assert received_mask(h).getpixel((0, 0)) == 0
        access = [r.getMessage() for r in caplog.records if r.name == "bot.web.access"]
        assert any(line.startswith("POST /editor/{token} 200") for line in access)
        lines = [r.getMessage() for r in caplog.records]
        leaked = [line for line in lines if token in line and h.web_url not in line]
        assert leaked == [], "a token was logged"
        assert press_token not in caplog.text
        assert h.fake.violations == []


async def test_a_submit_too_costly_to_draw_is_refused_at_once(tmp_path: Path) -> None:
    async with harness(tmp_path, **web_settings()) as h:
        url, _ = await press_region(h, await upscaled(h))
        body = json.dumps(shape_body(url, shapes=COSTLY_BRUSHES)).encode()
        assert len(body) < 1024 * 1024  # under the body's cap
        async with httpx.AsyncClient() as http:
            started = time.process_time()
            answer = await http.post(url, content=body)
            assert time.process_time() - started < 1.0  # no seconds of drawing
            assert answer.status_code == 400 and answer.json()["code"] == "bad_request"
            assert h.sim.count("submit/modal") == 0
            answer = await http.post(url, json=shape_body(url))  # the link still works
            assert answer.status_code == 200 and answer.json()["ok"] is True
        assert h.sim.count("submit/modal") == 1
        assert h.fake.violations == []


async def test_a_refused_press_gives_the_link_back(tmp_path: Path) -> None:
    prices = {"credits_enabled": True, "prices": "imagine=0,upscale=0,region=5"}
    async with harness(tmp_path, **prices, **web_settings()) as h:
        url, press_token = await press_region(h, await upscaled(h))
        async with httpx.AsyncClient() as http:
            answer = await http.post(url, json=shape_body(url))
            assert answer.status_code == 409 and answer.json()["code"] == "no_credits"
            assert (await http.get(url)).status_code == 200  # usable again
        assert h.sim.count("submit/modal") == 0
        inter = h.fake.interaction(press_token)
        assert all(h.fake.message(i).deleted for i in inter.followup_ids)  # no placeholder
        assert h.fake.violations == []


async def test_after_the_press_token_the_result_is_posted_in_the_channel(tmp_path: Path) -> None:
    async with harness(tmp_path, **web_settings()) as h:
        url, press_token = await press_region(h, await upscaled(h))
        h.fake.expire_token(press_token)
        async with httpx.AsyncClient() as http:
            assert (await http.post(url, json=shape_body(url))).status_code == 200

        def posted() -> list[Any]:
            return [
                m
                for m in h.fake.messages_in(h.fake.channel_id)
                if m.attachments and m.interaction_metadata is None and not m.ephemeral
            ]

        await h.wait(posted, "the result as a new channel message")
        (job,) = [j for j in await h.jobs() if j.options.get("custom_id", "").startswith("MJ::In")]
        assert job.message.kind is MessageKind.CHANNEL and job.user_id == int(h.fake.user["id"])
        assert h.fake.violations == []


async def test_private_results_stay_private(tmp_path: Path) -> None:
    async with harness(tmp_path, **web_settings()) as h:
        await h.command("settings", {"private": True})
        upscale = await upscaled(h)
        assert upscale.ephemeral
        url, press_token = await press_region(h, upscale)
        async with httpx.AsyncClient() as http:
            assert (await http.post(url, json=shape_body(url))).status_code == 200
        inter = h.fake.interaction(press_token)

        def result() -> Any:
            found = [h.fake.message(i) for i in inter.followup_ids]
            return [m for m in found if m.attachments]

        await h.wait(result, "the private result")
        assert all(m.ephemeral for m in result())

        # Once the press's token is past, a private result goes to the user's DMs.
        await asyncio.sleep(DOUBLE_CLICK_WINDOW)  # a second press of the same button
        url, _ = await press_region(h, upscale)
        link = await _link_of(h, url)
        late = link.origin.message.model_copy(update={"token_expires_at": 0.0})
        await _set_origin(h, url, link.origin.model_copy(update={"message": late}))
        async with httpx.AsyncClient() as http:
            answer = await http.post(url, json=shape_body(url))
            assert answer.status_code == 200, answer.text
        user = int(h.fake.user["id"])
        await h.wait(lambda: [m for m in h.fake.dms_to(user) if m.attachments], "a DM")
        assert not [m for m in h.fake.messages_in(h.fake.channel_id) if not m.ephemeral]
        assert h.fake.violations == []


async def test_an_expired_link_gives_a_localized_page(tmp_path: Path) -> None:
    async with harness(tmp_path, **web_settings()) as h:
        url, _ = await press_region(h, await upscaled(h, locale="zh-CN"), locale="zh-CN")
        await expire(h, url)
        async with httpx.AsyncClient() as http:
            page = await http.get(url)
            answer = await http.post(url, json=shape_body(url))
        assert page.status_code == 410 and t("editor.expired", "zh-CN") in page.text
        assert '<html lang="zh-CN">' in page.text
        assert answer.json()["message"] == t("editor.expired", "zh-CN")
        assert h.sim.count("submit/modal") == 0


async def _link_of(h: Harness, url: str) -> EditorLink:
    links = EditorLinks(h.storage.editor_links)
    return await links.check(token_of(url))


async def _set_origin(h: Harness, url: str, origin: Origin) -> None:
    link = await _link_of(h, url)
    statement = (
        update(editor_links)
        .where(editor_links.c.token_hash == link.token_hash)
        .values(origin=origin.model_dump_json())
    )
    async with h.storage.engine.begin() as conn:
        await conn.execute(statement)
