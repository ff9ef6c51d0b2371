"""/describe link: handed to the aggregator in the describe body's `link`, never fetched by
the bot; exactly one of `image` and `link`."""

from __future__ import annotations

from pathlib import Path

from bot.sim.png import encode_png
from tests.e2e.harness import Harness, harness
from tests.e2e.recording_host import recording_server

PNG = encode_png(16, 16, lambda y: b"\x30\x70\xb0" * 16)


async def test_a_link_reaches_the_aggregator_and_the_bot_never_fetches_it(
    tmp_path: Path,
) -> None:
    # The recording host is on 127.0.0.1, a private address: allowed here on purpose.
    async with (
        harness(tmp_path, describe_private_links=True) as h,
        recording_server() as (base, hits),
    ):
        link = f"{base}/photos/fox.png?size=large"
        inter = await h.command("describe", {"link": link})
        described = await h.wait_final(inter.token)
        (embed,) = described.embeds
        assert "1️⃣" in embed["description"]
        (body,) = [r.body_json for r in h.sim.records("submit/describe")]
        assert body["link"] == link and "base64" not in body

        again = await h.dispatch(
            h.factory.button_click(described, described.buttons()[4].custom_id)
        )
        await h.wait_final(again.token)  # 🔄 describes the same link again
        assert [r.body_json["link"] for r in h.sim.records("submit/describe")] == [link, link]
        assert hits == []


async def test_both_or_neither_of_image_and_link_is_refused(h: Harness) -> None:
    image = h.fake.host_attachment("fox.png", PNG, "image/png")
    both = await h.command(
        "describe", {"link": "https://example.com/a.png"}, attachments={"image": image}
    )
    neither = await h.command("describe", {}, locale="zh-CN")
    assert both.callback_type == neither.callback_type == 4
    assert "either an `image` or a `link`" in h.original(both.token).content
    assert "其中之一" in h.original(neither.token).content
    assert h.original(both.token).ephemeral and h.sim.count("total") == 0


async def test_only_plain_http_links_are_taken(h: Harness) -> None:
    for bad in (
        "ftp://example.com/a.png",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "https://user:secret@example.com/a.png",
        "https://exa mple.com/a.png",
        "https:///no-host.png",
        "https://example.com:99999/a.png",
        "https://example.com/" + "a" * 2000,
    ):
        refused = await h.command("describe", {"link": bad})
        assert refused.callback_type == 4, bad
        assert "plain http:// or https://" in h.original(refused.token).content
    assert h.sim.count("total") == 0


async def test_links_into_the_operators_own_network_are_refused(h: Harness) -> None:
    for inward in (
        "http://127.0.0.1:8080/a.png",
        "http://localhost/a.png",
        "http://10.0.0.5/a.png",
        "http://192.168.1.2/a.png",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/a.png",
        "http://intranet/a.png",
    ):
        refused = await h.command("describe", {"link": inward})
        assert refused.callback_type == 4, inward
        assert "plain http:// or https://" in h.original(refused.token).content
    assert h.sim.count("total") == 0
