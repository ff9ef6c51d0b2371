"""Button presses (`/mj/submit/action`) and modal confirmations (`/mj/submit/modal`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bot.sim import payload
from bot.sim.actions import ActionSpec, classify
from bot.sim.images import size_for
from bot.sim.model import (
    INSTANCE_PROPS,
    MODAL_DESCRIPTION,
    ResultKind,
    SimError,
    SimTask,
    Submitted,
)
from bot.sim.texts import shorten_prompt

if TYPE_CHECKING:
    from bot.sim.engine import Engine

Body = Mapping[str, Any]
_ZOOM = re.compile(r"--zoom\s+(\d+(?:\.\d+)?)")
_KINDS: dict[str, ResultKind] = {
    "upscale": "upscale",
    "upscale_hd": "upscale_hd",
    "describe": "describe",
    "shorten": "shorten",
    "video": "video",
}


def submit_action(engine: Engine, body: Body, mode: str | None) -> Submitted:
    task_id, custom_id = payload.text(body.get("taskId")), payload.text(body.get("customId"))
    if not task_id or not custom_id:
        raise SimError(4, "taskId和customId不能为空")
    parent = engine.get(task_id)
    if parent is None:
        raise SimError(3, "关联任务不存在或已失效")
    if engine.snapshot(parent).status != "SUCCESS":
        raise SimError(4, "关联任务状态错误")
    spec = classify(custom_id)
    if spec is None or custom_id not in {b["customId"] for b in parent.buttons}:
        raise SimError(4, f"customId参数错误: {custom_id}")
    if spec.result == "bookmark":  # a favourite: no new task (trueai <= v10)
        return Submitted(1, "提交成功", parent.id, dict(INSTANCE_PROPS))
    engine.screen("")
    if spec.result == "imagine_all":  # trueai <= v10: four tasks, ids comma-joined
        children = [_imagine_child(engine, parent, p, body, mode) for p in parent.choices]
        ids = [engine.launch(c).result or "" for c in children]
        return Submitted(1, "提交成功", ",".join(ids), dict(INSTANCE_PROPS))
    if spec.modal == "prompt":  # describe/shorten "use prompt N"
        child = _imagine_child(engine, parent, parent.choices[spec.index - 1], body, mode)
    else:
        child = _child(engine, parent, spec, custom_id, body, mode)
    child.parent_id, child.custom_id = parent.id, custom_id
    # Remix on for the account, or asked for by this action (trueai's `enableRemix`).
    remix = engine.remix or body.get("enableRemix") is True
    modal = spec.modal or ("remix" if remix and spec.remixable else None)
    if modal is None:
        return engine.launch(child)
    child.modal_kind, child.run_from = modal, None  # waits in MODAL until /modal
    child.submit_description = MODAL_DESCRIPTION
    # Prefill: the chosen describe/shorten prompt, else the parent's final prompt.
    prefill = child.prompt if modal == "prompt" else child.final_prompt
    props = {"finalPrompt": prefill, "remix": True}
    # Relays rewrite 21 -> 1 except for the two buttons that can't work without the modal.
    keep = modal in ("zoom", "inpaint")
    return Submitted(21, MODAL_DESCRIPTION, child.id, props, keep_modal_code=keep)


def submit_modal(engine: Engine, body: Body, mode: str | None) -> Submitted:
    task = engine.get(payload.text(body.get("taskId")))
    if task is None:
        raise SimError(3, "任务不存在或已失效")
    if engine.snapshot(task).status != "MODAL":
        raise SimError(4, "任务状态错误")
    prompt = payload.text(body.get("prompt")) or task.prompt or ""  # blank: keep the prompt
    if task.modal_kind == "zoom":
        zoom = _ZOOM.search(prompt)
        if zoom is None or not 1 <= float(zoom[1]) <= 2:
            raise SimError(4, "Custom Zoom 需要 prompt 带 --zoom 1~2")
    if task.modal_kind == "inpaint":
        if not body.get("maskBase64"):
            raise SimError(4, "maskBase64不能为空")
        payload.image(body.get("maskBase64"))
    engine.screen(prompt)
    task.prompt, task.final_prompt = prompt, payload.finalise(prompt, task.bot_type)
    if task.modal_kind == "prompt":
        task.description = f"/imagine {prompt}"
        task.size = size_for(task.final_prompt)
    task.mode = mode or task.mode
    if isinstance(body.get("state"), str):
        task.state = body["state"]
    engine.set_hook(task, body)
    return engine.launch(task)


def _child(
    engine: Engine, parent: SimTask, spec: ActionSpec, custom_id: str, body: Body, mode: str | None
) -> SimTask:
    label = next(b["label"] or b["emoji"] for b in parent.buttons if b["customId"] == custom_id)
    kind = _KINDS.get(spec.result, "grid")
    child = engine.new_task(
        spec.action,
        kind,
        body,
        mode,
        parent.prompt,
        parent.final_prompt,
        f"/up {parent.id} {label}",
        relay_action=spec.relay_action,
        bot=parent.bot_type,
    )
    child.size = parent.size
    if kind == "upscale":  # the chosen quadrant of the grid, as one image
        child.colours = [parent.colours[min(spec.index, len(parent.colours)) - 1]]
    elif kind in ("upscale_hd", "video"):
        child.colours = parent.colours[:1]
    elif kind == "describe" and parent.source is not None:  # Picread::Retry
        child.description = "/describe"
        engine.set_described(child, *parent.source)
    elif kind == "shorten":  # Show Details
        child.description = f"/shorten {parent.prompt}"
        child.result_text, child.choices = shorten_prompt(parent.prompt or "", details=True)
    return child


def _imagine_child(
    engine: Engine, parent: SimTask, prompt: str, body: Body, mode: str | None
) -> SimTask:
    final = payload.finalise(prompt, parent.bot_type)
    return engine.new_task(
        "IMAGINE", "grid", body, mode, prompt, final, f"/imagine {prompt}", bot=parent.bot_type
    )
