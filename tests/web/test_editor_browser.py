"""The Vary (Region) editor in a real headless browser (Debian's chromium, driven by
playwright), through the real bot, the Discord stand-in and the aggregator simulator.

Locally the tests skip when /usr/bin/chromium is missing; with CI=true they fail instead
(`.ci/run` installs it).
"""

from __future__ import annotations

import math
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import httpx
import pytest

from bot.core.i18n import t
from bot.core.mask import image_size
from tests.e2e.harness import Harness, harness, web_settings
from tests.web.editor_helpers import (
    expire,
    press_region,
    received_mask,
    shape_body,
    token_of,
    upscaled,
)

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
OTHER_USER = 424242


def _need_chromium() -> None:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing")


def _unavailable(why: str) -> NoReturn:
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"{why} while CI=true: the browser tests must run in CI", pytrace=False)
    pytest.skip(f"{why}: `apt-get install chromium` (and the [test] extras) to run them")


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    _need_chromium()
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        _unavailable("playwright is not installed")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox"], headless=True
        )
        try:
            yield launched
        finally:
            await launched.close()


async def open_editor(page: Page, url: str) -> dict[str, float]:
    """Open the link and wait for the image; the canvas's box on the page."""
    response = await page.goto(url)
    assert response is not None and response.status == 200
    await page.wait_for_function("document.getElementById('loading').hidden")
    box = await page.locator("#canvas").bounding_box()
    assert box is not None and box["width"] > 50
    return box


def at(box: dict[str, float], fx: float, fy: float) -> tuple[float, float]:
    """A point of the canvas, as fractions of its width and height."""
    return box["x"] + fx * box["width"], box["y"] + fy * box["height"]


async def drag(page: Page, start: tuple[float, float], end: tuple[float, float]) -> None:
    await page.mouse.move(*start)
    await page.mouse.down()
    await page.mouse.move(*end, steps=12)
    await page.mouse.up()


async def wait_result(h: Harness, press_token: str) -> Any:
    """The followup of the press interaction, once it shows the result image."""
    inter = h.fake.interaction(press_token)

    def arrived() -> bool:
        return any(h.fake.message(i).attachments for i in inter.followup_ids)

    await h.wait(arrived, "the result on the press's followup")
    return next(h.fake.message(i) for i in inter.followup_ids if h.fake.message(i).attachments)


Point = tuple[float, float]
TRIANGLE: list[Point] = [(0.60, 0.08), (0.95, 0.08), (0.95, 0.45)]  # the lasso's corners


def inside(p: Point, polygon: list[Point]) -> bool:
    """Even-odd rule."""
    x, y = p
    crossings = 0
    for (ax, ay), (bx, by) in zip(polygon, [*polygon[1:], polygon[0]], strict=True):
        if (ay > y) != (by > y) and x < ax + (y - ay) * (bx - ax) / (by - ay):
            crossings += 1
    return crossings % 2 == 1


def segment_distance(p: Point, a: Point, b: Point) -> float:
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    u = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + u * dx), py - (ay + u * dy))


async def test_a_painted_rectangle_and_brush_stroke_become_the_mask(
    tmp_path: Path, browser: Browser
) -> None:
    async with harness(tmp_path, **web_settings()) as h:
        upscale = await upscaled(h)
        size = image_size(upscale.attachments[0].content)
        assert size is not None
        width, height = size
        url, press_token = await press_region(h, upscale)
        assert url.startswith(f"{h.web_url}/editor/")

        page = await browser.new_page(viewport={"width": 1000, "height": 900})
        box = await open_editor(page, url)
        assert "a cat on a sofa" in await page.input_value("#prompt")  # the job's prompt
        assert await page.title() == "Vary (Region)"

        # A first try, cleared; then a rectangle, a brush stroke of 40 screen pixels, a
        # lasso triangle, and one more rectangle taken back with Undo.
        await drag(page, at(box, 0.05, 0.60), at(box, 0.30, 0.95))
        await page.click("#clear")
        await drag(page, at(box, 0.10, 0.15), at(box, 0.45, 0.50))
        await page.click("[data-tool=brush]")
        brush_px = 40
        await page.locator("#size").evaluate(
            "(el, v) => { el.value = v; el.dispatchEvent(new Event('input')); }", brush_px
        )
        await drag(page, at(box, 0.55, 0.80), at(box, 0.90, 0.80))
        await page.click("[data-tool=lasso]")
        await page.mouse.move(*at(box, *TRIANGLE[0]))
        await page.mouse.down()
        for corner in (*TRIANGLE[1:], TRIANGLE[0]):
            await page.mouse.move(*at(box, *corner), steps=10)
        await page.mouse.up()
        await page.click("[data-tool=rect]")
        await drag(page, at(box, 0.60, 0.55), at(box, 0.95, 0.68))
        await page.click("#undo")
        await page.fill("#prompt", "a dog on a sofa")
        await page.click("#submit")
        await page.wait_for_selector("#status.done")
        assert await page.text_content("#status") == t("editor.sent", "en-US")

        assert h.sim.count("submit/modal") == 1
        body = h.sim.records("submit/modal")[-1].body_json
        assert body["prompt"] == "a dog on a sofa"
        mask = received_mask(h)
        assert mask.size == (width, height)  # the image's own size

        # Pixel by pixel, with a band of 2 image pixels around every drawn edge.
        sx, sy = width, height
        rect = (0.10 * sx, 0.15 * sy, 0.45 * sx, 0.50 * sy)
        line = ((0.55 * sx, 0.80 * sy), (0.90 * sx, 0.80 * sy))
        triangle = [(fx * sx, fy * sy) for fx, fy in TRIANGLE]
        edges = list(zip(triangle, [*triangle[1:], triangle[0]], strict=True))
        radius = brush_px / box["width"] * sx / 2
        band = 2.0
        pixels = mask.load()
        assert pixels is not None
        checked_white = checked_black = 0
        for y in range(height):
            for x in range(width):
                centre = (x + 0.5, y + 0.5)
                inside_rect = rect[0] + band < centre[0] < rect[2] - band and (
                    rect[1] + band < centre[1] < rect[3] - band
                )
                near_rect = rect[0] - band < centre[0] < rect[2] + band and (
                    rect[1] - band < centre[1] < rect[3] + band
                )
                stroke = segment_distance(centre, *line)
                lasso_edge = min(segment_distance(centre, a, b) for a, b in edges)
                in_lasso = inside(centre, triangle)
                value = pixels[x, y]
                painted = inside_rect or stroke < radius - band or (in_lasso and lasso_edge > band)
                untouched = not near_rect and stroke > radius + band and not in_lasso
                if painted:
                    assert value == 255, f"({x}, {y}) was painted but is {value}"
                    checked_white += 1
                elif untouched and lasso_edge > band:
                    assert value == 0, f"({x}, {y}) was not painted but is {value}"
                    checked_black += 1
        assert checked_white > 0.1 * width * height and checked_black > 0.5 * width * height

        # The result arrives in Discord on a followup of the press; the link's answer says so.
        result = await wait_result(h, press_token)
        assert not result.ephemeral and result.buttons()
        answer = h.original(press_token)
        assert answer.content == t("editor.link_used", "en-US") and not answer.components

        # Used up: opening it again or sending it again does nothing more.
        again = await page.goto(url)
        assert again is not None and again.status == 410
        assert await page.text_content("#reason") == t("editor.used", "en-US")
        async with httpx.AsyncClient() as http:
            resent = await http.post(url, json=shape_body(url))
        assert resent.status_code == 410 and resent.json()["code"] == "used"
        assert h.sim.count("submit/modal") == 1
        assert h.fake.violations == []


async def test_expired_tampered_and_other_users_links_are_refused(
    tmp_path: Path, browser: Browser
) -> None:
    async with harness(tmp_path, **web_settings()) as h:
        upscale = await upscaled(h)
        mine, _ = await press_region(h, upscale)
        page = await browser.new_page()

        # Someone else pressing the owner's Vary (Region) gets no link (BUTTON_POLICY=owner).
        region = next(b for b in upscale.buttons() if b.label == "Vary (Region)")
        assert region.custom_id is not None
        stranger = await h.dispatch(
            h.factory.button_click(upscale, region.custom_id, user_id=OTHER_USER)
        )
        refusal = h.original(stranger.token)
        assert refusal.ephemeral and "http" not in str(refusal.components)

        # Another user's own link cannot act for this one, nor this one for theirs.
        theirs, _ = await press_region(
            h, await upscaled(h, "a bird", user_id=OTHER_USER), user_id=OTHER_USER
        )
        async with httpx.AsyncClient() as http:
            for url, token in ((mine, token_of(theirs)), (theirs, token_of(mine))):
                crossed = await http.post(url, json=shape_body(url, token=token))
                assert crossed.status_code == 403 and crossed.json()["code"] == "not_yours"
                assert crossed.json()["message"] == t("editor.not_yours", "en-US")
            # Naming a user in the body is refused too: the link alone says who asks.
            named = await http.post(mine, json=shape_body(mine, user_id=OTHER_USER))
            assert named.status_code == 400

            # A changed token is unknown, on the page and to the submit.
            changed = mine[:-1] + ("A" if mine[-1] != "A" else "B")
            opened = await page.goto(changed)
            assert opened is not None and opened.status == 404
            assert await page.text_content("#reason") == t("editor.unknown", "en-US")
            posted = await http.post(changed, json=shape_body(changed))
            assert posted.status_code == 404 and posted.json()["code"] == "unknown"
            assert (await http.get(f"{changed}/image")).status_code == 404

            # An expired link: the page says so, the submit and the image are refused.
            await expire(h, mine)
            opened = await page.goto(mine)
            assert opened is not None and opened.status == 410
            assert await page.text_content("#reason") == t("editor.expired", "en-US")
            posted = await http.post(mine, json=shape_body(mine))
            assert posted.status_code == 410 and posted.json()["code"] == "expired"
            assert (await http.get(f"{mine}/image")).status_code == 410

        assert h.sim.count("submit/modal") == 0, "a refused link submitted something"
        assert h.fake.violations == []


async def test_the_page_fits_a_phone_takes_touch_and_speaks_chinese(
    tmp_path: Path, browser: Browser
) -> None:
    async with harness(tmp_path, **web_settings()) as h:
        upscale = await upscaled(h, locale="zh-CN")
        size = image_size(upscale.attachments[0].content)
        assert size is not None
        url, press_token = await press_region(h, upscale, locale="zh-CN")
        context = await browser.new_context(
            viewport={"width": 390, "height": 844},
            device_scale_factor=3,
            is_mobile=True,
            has_touch=True,
        )
        page = await context.new_page()
        box = await open_editor(page, url)
        assert await page.get_attribute("html", "lang") == "zh-CN"
        assert await page.title() == t("editor.title", "zh-CN")
        assert await page.text_content("#submit") == t("editor.submit", "zh-CN")
        # The canvas and the page fit the phone's width: nothing scrolls sideways.
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390

        # A rectangle dragged with a finger (touch events, as a phone sends them).
        cdp = await context.new_cdp_session(page)
        (x1, y1), (x2, y2) = at(box, 0.2, 0.2), at(box, 0.7, 0.6)
        await cdp.send("Input.dispatchTouchEvent", _touch("touchStart", x1, y1))
        for step in range(1, 11):
            x, y = x1 + (x2 - x1) * step / 10, y1 + (y2 - y1) * step / 10
            await cdp.send("Input.dispatchTouchEvent", _touch("touchMove", x, y))
        await cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        await page.wait_for_timeout(600)  # past the double-tap window: the next tap clicks
        await page.tap("#submit")
        await page.wait_for_selector("#status.done")
        assert await page.text_content("#status") == t("editor.sent", "zh-CN")

        mask = received_mask(h)
        width, height = size
        assert mask.size == (width, height)
        assert mask.getpixel((int(0.45 * width), int(0.4 * height))) == 255
        assert mask.getpixel((int(0.25 * width), int(0.25 * height))) == 255
        assert mask.getpixel((int(0.1 * width), int(0.1 * height))) == 0
        assert mask.getpixel((int(0.9 * width), int(0.9 * height))) == 0
        await wait_result(h, press_token)
        await context.close()
        assert h.fake.violations == []


def _touch(kind: str, x: float, y: float) -> dict[str, Any]:
    return {"type": kind, "touchPoints": [{"x": x, "y": y}]}


STAR_CENTRE, STAR_RADIUS = (0.5, 0.5), 0.4


def _star() -> list[Point]:
    """A pentagram: its edges cross, and its inner pentagon is inside it twice."""
    corners = [
        (
            STAR_CENTRE[0] + STAR_RADIUS * math.cos(math.radians(-90 + 72 * k)),
            STAR_CENTRE[1] + STAR_RADIUS * math.sin(math.radians(-90 + 72 * k)),
        )
        for k in range(5)
    ]
    return [corners[k] for k in (0, 2, 4, 1, 3)]


async def test_a_crossed_lasso_shows_the_holes_the_mask_will_have(
    tmp_path: Path, browser: Browser
) -> None:
    async with harness(tmp_path, **web_settings()) as h:
        upscale = await upscaled(h)
        size = image_size(upscale.attachments[0].content)
        assert size is not None
        url, _ = await press_region(h, upscale)
        page = await browser.new_page(viewport={"width": 1000, "height": 900})
        box = await open_editor(page, url)
        tip = (STAR_CENTRE[0], STAR_CENTRE[1] - 0.75 * STAR_RADIUS)  # in one arm only

        async def shown(point: Point) -> list[int]:
            """The page's canvas pixel there (the image, and the paint over it)."""
            pixel: list[int] = await page.evaluate(
                """([fx, fy]) => {
                    const c = document.getElementById("canvas");
                    const x = Math.floor(fx * c.width), y = Math.floor(fy * c.height);
                    return Array.from(c.getContext("2d").getImageData(x, y, 1, 1).data);
                }""",
                list(point),
            )
            return pixel

        before = {point: await shown(point) for point in (STAR_CENTRE, tip)}
        await page.click("[data-tool=lasso]")
        star = _star()
        await page.mouse.move(*at(box, *star[0]))
        await page.mouse.down()
        for corner in (*star[1:], star[0]):
            await page.mouse.move(*at(box, *corner), steps=10)
        # While it is drawn, and once it is done: the arms painted, the middle not, as
        # the server fills polygons (even-odd), not as a canvas does by default.
        assert await shown(tip) != before[tip]
        assert await shown(STAR_CENTRE) == before[STAR_CENTRE]
        await page.mouse.up()
        assert await shown(tip) != before[tip]
        assert await shown(STAR_CENTRE) == before[STAR_CENTRE]

        await page.click("#submit")
        await page.wait_for_selector("#status.done")
        mask = received_mask(h)
        width, height = size
        assert mask.getpixel((int(tip[0] * width), int(tip[1] * height))) == 255
        assert mask.getpixel((int(STAR_CENTRE[0] * width), int(STAR_CENTRE[1] * height))) == 0
        assert h.fake.violations == []
