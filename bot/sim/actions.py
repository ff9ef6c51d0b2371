"""What pressing a button (`/mj/submit/action` customId) does."""

from __future__ import annotations

from dataclasses import dataclass

# new-api relays refuse these with `unknown_action:<customId>` (mj-api.md §10.5).
RELAY_UNSUPPORTED = (
    "MJ::Job::PicReader::",
    "MJ::Picread::Retry",
    "MJ::Job::PromptAnalyzer::",
    "MJ::BOOKMARK::",
)


@dataclass(frozen=True)
class ActionSpec:
    action: str  # proxy action label of the new task
    relay_action: str  # new-api's label
    result: str  # grid | upscale | upscale_hd | describe | shorten | video | bookmark | ...
    index: int = 1  # 1-based image / prompt index where relevant
    modal: str | None = None  # always needs /modal: zoom | inpaint | prompt
    remixable: bool = False  # needs /modal when the account has Remix on


def _index(text: str) -> int:
    return int(text) if text.isdigit() else 1


def classify(custom_id: str) -> ActionSpec | None:
    parts = custom_id.split("::")
    if len(parts) < 3 or parts[0] != "MJ":
        return None
    family = parts[1]
    if family == "JOB" and len(parts) >= 4:
        verb, index = parts[2], _index(parts[3])
        if verb == "upsample":
            return ActionSpec("UPSCALE", "UPSCALE", "upscale", index)
        if verb.startswith("upsample_"):
            return ActionSpec("UPSCALE_HD", "UPSCALE", "upscale_hd")
        if verb in ("variation", "low_variation", "high_variation"):
            relay = "VARIATION" if verb == "variation" else verb.upper()
            return ActionSpec("VARIATION", relay, "grid", index, remixable=True)
        if verb == "reroll":
            return ActionSpec("REROLL", "REROLL", "grid", remixable=True)
        if verb.startswith("pan_"):
            return ActionSpec("PAN", "PAN", "grid", remixable=True)
        if verb in ("animate_high", "animate_low"):
            return ActionSpec("VIDEO", "VIDEO", "video")
        if verb in ("animate_high_extend", "animate_low_extend"):
            return ActionSpec("VIDEO_EXTEND", "VIDEO", "video")
        if verb == "video_virtual_upscale":
            return ActionSpec("UPSCALE", "VIDEO", "video", index)
        return None
    if family == "Outpaint":
        return ActionSpec("ZOOM", "ZOOM", "grid")
    if family == "CustomZoom":
        return ActionSpec("ZOOM", "CUSTOM_ZOOM", "grid", modal="zoom")
    if family == "Inpaint":
        return ActionSpec("VARIATION", "INPAINT", "grid", modal="inpaint")
    if family == "BOOKMARK":
        return ActionSpec("BOOKMARK", "BOOKMARK", "bookmark")
    if family == "Picread" and parts[2] == "Retry":
        return ActionSpec("DESCRIBE", "DESCRIBE", "describe")
    if family == "Job" and parts[2] == "PicReader" and len(parts) == 4:
        if parts[3] == "all":
            return ActionSpec("IMAGINE", "IMAGINE", "imagine_all")
        return ActionSpec("IMAGINE", "IMAGINE", "grid", _index(parts[3]), modal="prompt")
    if family == "Job" and parts[2] == "PromptAnalyzer":
        if parts[-1] == "details":
            return ActionSpec("SHORTEN", "SHORTEN", "shorten")
        return ActionSpec("IMAGINE", "IMAGINE", "grid", _index(parts[-1]), modal="prompt")
    return None
