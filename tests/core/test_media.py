"""Video results and face swaps as the pure renderer shows them, and what counts as a
video: decided by the bytes, not by a URL or a content type."""

from __future__ import annotations

from bot.core.media import gives_video, sniff_video_mime, video_filename
from bot.core.mj.schemas import Task
from bot.core.models import JobKind, JobStatus
from bot.core.payload import MAX_CONTENT, SEED_BUTTON
from bot.core.render import render
from bot.core.tracker import task_update
from bot.sim.video import tiny_mp4
from tests.core.test_render import HASH, buttons, job

MP4 = tiny_mp4("t")
WEBM = b"\x1a\x45\xdf\xa3" + bytes(20)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(20)
ANIMATE = {"custom_id": f"MJ::JOB::animate_high::1::{HASH}::SOLO", "label": "Animate (High)"}
VIDEO = "https://agg.example/v/1.mp4"


def test_videos_are_known_by_their_signature() -> None:
    assert sniff_video_mime(MP4) == "video/mp4"
    assert sniff_video_mime(WEBM) == "video/webm"
    assert sniff_video_mime(b"\x00\x00\x00\x14ftypqt  " + bytes(8)) == "video/quicktime"
    assert sniff_video_mime(PNG) is None and sniff_video_mime(b"ftyp") is None
    assert video_filename("mj_1", MP4) == "mj_1.mp4"
    assert video_filename("mj_1", WEBM) == "mj_1.webm"


def test_which_jobs_give_a_video() -> None:
    assert gives_video(job(kind=JobKind.ACTION, options=ANIMATE))
    extend = {"custom_id": f"MJ::JOB::animate_low_extend::1::{HASH}"}
    assert gives_video(job(kind=JobKind.ACTION, options=extend))
    upscale = {"custom_id": f"MJ::JOB::video_virtual_upscale::2::{HASH}"}
    assert gives_video(job(kind=JobKind.ACTION, options=upscale))
    assert gives_video(job(image_url="https://cdn.example/x/clip.MP4?sig=1"))
    assert not gives_video(job(image_url="https://cdn.example/x/grid.png"))
    u1 = {"custom_id": f"MJ::JOB::upsample::1::{HASH}"}
    assert not gives_video(job(kind=JobKind.ACTION, options=u1, image_url="https://a/mj/image/1"))


def test_the_video_url_wins_over_the_still_in_image_url() -> None:
    base = {"id": "1", "status": "SUCCESS", "imageUrl": "https://a/still.png"}
    assert task_update(Task.model_validate({**base, "videoUrl": VIDEO})).image_url == VIDEO
    listed = Task.model_validate({**base, "videoUrls": [{"url": VIDEO}, {"url": "x"}]})
    assert task_update(listed).image_url == VIDEO
    plain = Task.model_validate({**base, "videoUrls": [VIDEO], "videoUrl": ""})
    assert plain.video == VIDEO
    odd = Task.model_validate({**base, "videoUrl": 5, "videoUrls": "nope"})
    assert task_update(odd).image_url == "https://a/still.png"


def test_a_video_result_attaches_the_video_with_its_buttons_and_no_seed() -> None:
    done = job(kind=JobKind.ACTION, options=ANIMATE, status=JobStatus.SUCCESS, image_url=VIDEO)
    extend = buttons(
        (f"MJ::JOB::video_virtual_upscale::1::{HASH}", "U1", ""),
        (f"MJ::JOB::animate_high_extend::1::{HASH}", "Extend (High)", "🎞️"),
    )
    payload = render(done, extend)
    assert payload.video and payload.attach_image and payload.image_url == VIDEO
    assert payload.image_name == "mj_1730621718151844.mp4"
    assert [(b.label, b.row) for b in payload.buttons] == [("U1", 0), ("Extend (High)", 1)]
    assert payload.video_link is not None and VIDEO in payload.video_link
    assert "视频" in (render(done, extend, "zh-CN").video_link or "")
    long = done.model_copy(update={"prompt": "word " * 900})
    content = render(long).content
    assert len(content) + 1 + len(render(long).video_link or "") <= MAX_CONTENT


def test_a_face_swap_is_titled_and_has_no_seed() -> None:
    swap = job(kind=JobKind.SWAPFACE, prompt="", status=JobStatus.SUCCESS, image_url="u.png")
    payload = render(swap)
    assert payload.content.startswith("**Face swap** - <@42>") and not payload.video
    assert SEED_BUTTON not in [b.route for b in payload.buttons] and payload.attach_image
    assert render(swap, locale="zh-CN").content.startswith("**换脸** - <@42>")
