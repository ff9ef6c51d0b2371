"""Button sets Midjourney attaches to each kind of result (customIds as in mj-api.md §7)."""

from __future__ import annotations

from typing import Any

from bot.sim.texts import KEYCAPS

Button = dict[str, Any]


def button(custom_id: str, *, label: str = "", emoji: str = "", style: int = 2) -> Button:
    return {"customId": custom_id, "emoji": emoji, "label": label, "type": 2, "style": style}


def grid_buttons(h: str) -> list[Button]:
    ups = [button(f"MJ::JOB::upsample::{n}::{h}", label=f"U{n}") for n in range(1, 5)]
    reroll = button(f"MJ::JOB::reroll::0::{h}::SOLO", emoji="🔄")
    varies = [button(f"MJ::JOB::variation::{n}::{h}", label=f"V{n}") for n in range(1, 5)]
    return [*ups, reroll, *varies]


def single_buttons(h: str, *, upscales: bool = True) -> list[Button]:
    """After U1..U4 (and, without the upscale pair, after Upscale Subtle/Creative)."""
    out: list[Button] = []
    if upscales:
        # Real MJ sends a custom emoji here; proxies pass on its *name*.
        out += [
            button(
                f"MJ::JOB::upsample_v6_2x_subtle::1::{h}::SOLO",
                label="Upscale (Subtle)",
                emoji="upscale_1",
            ),
            button(
                f"MJ::JOB::upsample_v6_2x_creative::1::{h}::SOLO",
                label="Upscale (Creative)",
                emoji="upscale_1",
            ),
        ]
    out += [
        button(f"MJ::JOB::low_variation::1::{h}::SOLO", label="Vary (Subtle)", emoji="🪄"),
        button(f"MJ::JOB::high_variation::1::{h}::SOLO", label="Vary (Strong)", emoji="🪄"),
        button(f"MJ::Inpaint::1::{h}::SOLO", label="Vary (Region)", emoji="🖌️"),
        button(f"MJ::Outpaint::50::1::{h}::SOLO", label="Zoom Out 2x", emoji="🔍"),
        button(f"MJ::Outpaint::75::1::{h}::SOLO", label="Zoom Out 1.5x", emoji="🔍"),
        button(f"MJ::CustomZoom::{h}", label="Custom Zoom", emoji="🔍"),
        button(f"MJ::Outpaint::100::1::{h}::SOLO", label="Make Square", emoji="↔️"),
    ]
    arrows = (("left", "⬅️"), ("right", "➡️"), ("up", "⬆️"), ("down", "⬇️"))
    out += [button(f"MJ::JOB::pan_{d}::1::{h}::SOLO", emoji=e) for d, e in arrows]
    if upscales:  # video-capable accounts animate an upscaled image
        out += [
            button(f"MJ::JOB::animate_high::1::{h}::SOLO", label="Animate (High)", emoji="🎞️"),
            button(f"MJ::JOB::animate_low::1::{h}::SOLO", label="Animate (Low)", emoji="🎞️"),
        ]
    out.append(button(f"MJ::BOOKMARK::{h}", emoji="❤️"))
    return out


def video_buttons(h: str) -> list[Button]:
    """On a video (trueai's synthetic set, mj-api.md §7): upscale one of the four, extend."""
    ups = [button(f"MJ::JOB::video_virtual_upscale::{n}::{h}", label=f"U{n}") for n in range(1, 5)]
    return [
        *ups,
        button(f"MJ::JOB::animate_high_extend::1::{h}", label="Extend (High)", emoji="🎞️"),
        button(f"MJ::JOB::animate_low_extend::1::{h}", label="Extend (Low)", emoji="🎞️"),
    ]


def describe_buttons() -> list[Button]:
    picks = [button(f"MJ::Job::PicReader::{n}", emoji=KEYCAPS[n - 1]) for n in range(1, 5)]
    return [
        *picks,
        button("MJ::Picread::Retry", emoji="🔄"),
        button("MJ::Job::PicReader::all", label="Imagine all", emoji="🎉"),
    ]


def shorten_buttons(h: str) -> list[Button]:
    picks = [
        button(f"MJ::Job::PromptAnalyzer::{h}::{n}", emoji=KEYCAPS[n - 1]) for n in range(1, 6)
    ]
    return [*picks, button(f"MJ::Job::PromptAnalyzer::{h}::details", label="Show Details")]


def buttons_for(kind: str, job_hash: str) -> list[Button]:
    if kind == "grid":
        return grid_buttons(job_hash)
    if kind == "upscale":
        return single_buttons(job_hash)
    if kind == "upscale_hd":
        return single_buttons(job_hash, upscales=False)
    if kind == "describe":
        return describe_buttons()
    if kind == "shorten":
        return shorten_buttons(job_hash)
    if kind == "video":
        return video_buttons(job_hash)
    if kind == "swap":  # a face swap's result has no buttons
        return []
    raise ValueError(f"unknown result kind {kind!r}")
