"""Texts of /swapface and of video results in English and Simplified Chinese (merged
into `bot.core.i18n`)."""

from __future__ import annotations

SWAPFACE_TEXT: dict[str, tuple[str, str]] = {
    # /swapface
    "result.swapface": ("Face swap", "换脸"),
    "kind.SWAPFACE": ("Face swap", "换脸"),
    "error.swapface_disabled": (
        "Face swap is turned off on this bot.",
        "此机器人已关闭换脸功能。",
    ),
    "error.swapface_same_image": (
        "The face and the picture are the same image: give the face as `source` and a "
        "different picture to put it in as `target`.",
        "人脸图片和目标图片是同一张：请把人脸图片作为 `source`，"
        "把要换入人脸的另一张图片作为 `target`。",
    ),
    "error.swapface_refused": (
        "The aggregator refused the face swap: {reason}",
        "服务商拒绝了换脸请求：{reason}",
    ),
    "error.swapface_unsupported": (
        "The aggregator does not offer face swap.",
        "服务商不支持换脸。",
    ),
    # video results (Animate, Extend)
    "result.video_link": (
        "🎞️ Video (too large to attach here, or not a video file): {url}",
        "🎞️ 视频（文件过大或不是视频，未作为附件发送）：{url}",
    ),
}
