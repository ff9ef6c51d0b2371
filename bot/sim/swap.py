"""`POST /mj/insight-face/swap`: a SWAP_FACE task whose result is one image, no buttons."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bot.sim import payload
from bot.sim.images import MAX_SIDE, palette
from bot.sim.model import SimError, Submitted
from bot.sim.png import png_size

if TYPE_CHECKING:
    from bot.sim.engine import Engine

# new-api checks both fields before relaying; trueai answers 服务不支持 with the face
# service off and refuses the same picture twice (mj-api.md §4.8).
MISSING = "sour_base64_and_target_base64_is_required"
UNSUPPORTED = "服务不支持"
SAME_IMAGE = "源图片和目标图片不能相同"


def submit_swap(engine: Engine, body: Mapping[str, Any], mode: str | None) -> Submitted:
    if engine.faults.swapface_unsupported:
        raise SimError(4, UNSUPPORTED)
    source, target = body.get("sourceBase64"), body.get("targetBase64")
    if not payload.text(source) or not payload.text(target):
        raise SimError(4, MISSING)
    face, _ = payload.image(source)
    picture, _ = payload.image(target)
    if face == picture:
        raise SimError(4, SAME_IMAGE)
    engine.screen("")
    task = engine.new_task("SWAP_FACE", "swap", body, mode, None, None, "/swap", bot="INSIGHT_FACE")
    digest = hashlib.sha256(face + picture).hexdigest()
    task.colours = palette(digest, 1)  # the same two pictures, the same result
    width, height = png_size(picture) or (MAX_SIDE, MAX_SIDE)
    scale = MAX_SIDE / max(width, height, 1)
    task.size = (max(16, int(width * scale)), max(16, int(height * scale)))
    return engine.launch(task)
