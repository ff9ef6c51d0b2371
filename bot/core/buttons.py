"""What pressing each aggregator button means for the bot.

Relays reject the describe/shorten follow-ups (PicReader, Picread::Retry, PromptAnalyzer),
so the bot performs those itself with a fresh imagine or describe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.core.models import StoredButton

_LINK_STYLE = 5
# Buttons that open Midjourney's remix editor when remix is on (mj-api.md §4.5).
_REMIXABLE = (
    "MJ::JOB::variation::",
    "MJ::JOB::low_variation::",
    "MJ::JOB::high_variation::",
    "MJ::JOB::reroll::",
    "MJ::JOB::pan_",
)
_PICK = re.compile(r"MJ::Job::(?:PicReader|PromptAnalyzer::.+)::(?P<n>\d+)")


class ButtonRoute(StrEnum):
    SUBMIT = "submit"  # POST /mj/submit/action as it is
    ASK_THEN_SUBMIT = "ask_then_submit"  # needs the user's prompt first (Custom Zoom, Region)
    PICK_PROMPT = "pick_prompt"  # local: imagine prompt N of a describe/shorten result
    IMAGINE_ALL = "imagine_all"  # local: imagine every describe prompt
    DESCRIBE_AGAIN = "describe_again"  # local: describe the same image again
    UNSUPPORTED = "unsupported"  # link buttons, bookmarks, "Show Details": left out


@dataclass(frozen=True)
class ButtonMeaning:
    route: ButtonRoute
    prompt_number: int | None = None  # PICK_PROMPT: 1-based
    needs_mask: bool = False  # ASK_THEN_SUBMIT for Vary (Region); else Custom Zoom
    remixable: bool = False  # SUBMIT that can open the prompt editor first (remix)
    variation: bool = False  # a V button: the user's variation strength applies


def classify(button: StoredButton) -> ButtonMeaning:
    custom_id = button.custom_id
    if button.style == _LINK_STYLE or not custom_id:
        return ButtonMeaning(ButtonRoute.UNSUPPORTED)
    if custom_id.startswith("MJ::CustomZoom::"):
        return ButtonMeaning(ButtonRoute.ASK_THEN_SUBMIT)
    if custom_id.startswith("MJ::Inpaint::"):
        return ButtonMeaning(ButtonRoute.ASK_THEN_SUBMIT, needs_mask=True)
    if custom_id == "MJ::Job::PicReader::all":
        return ButtonMeaning(ButtonRoute.IMAGINE_ALL)
    if custom_id == "MJ::Picread::Retry":
        return ButtonMeaning(ButtonRoute.DESCRIBE_AGAIN)
    pick = _PICK.fullmatch(custom_id)
    if pick:
        return ButtonMeaning(ButtonRoute.PICK_PROMPT, prompt_number=int(pick["n"]))
    if custom_id.startswith(("MJ::BOOKMARK::", "MJ::Job::PromptAnalyzer::", "MJ::Job::")):
        return ButtonMeaning(ButtonRoute.UNSUPPORTED)
    if custom_id.startswith(_REMIXABLE):
        variation = custom_id.startswith("MJ::JOB::variation::")
        return ButtonMeaning(ButtonRoute.SUBMIT, remixable=True, variation=variation)
    if custom_id.startswith("MJ::"):
        return ButtonMeaning(ButtonRoute.SUBMIT)
    return ButtonMeaning(ButtonRoute.UNSUPPORTED)
