"""Task JSON and response envelopes in the two flavours (proxy "plus" and new-api relay)."""

from __future__ import annotations

from typing import Any

from bot.sim.faults import Faults
from bot.sim.model import (
    INSTANCE_PROPS,
    MODAL_DESCRIPTION,
    SimError,
    SimTask,
    Snapshot,
    Submitted,
    video_path,
)

Payload = dict[str, Any]


class TaskView:
    """Renders tasks; remembers which ids a relay has already shown once."""

    def __init__(self, flavor: str, faults: Faults | None = None) -> None:
        self.flavor = flavor
        self._faults = faults or Faults()
        self._seen: set[str] = set()

    def _media(
        self, task: SimTask, snap: Snapshot, image: str | None, base_url: str
    ) -> tuple[str | None, Payload]:
        """imageUrl, and the video fields of a finished video task (trueai / newer
        new-api); with the `video_in_image_url` fault the video is in imageUrl alone."""
        if task.kind != "video" or snap.status != "SUCCESS":
            return image, {}
        video = base_url + video_path(task)
        if self._faults.video_in_image_url:
            return video, {}
        return image, {"videoUrl": video, "videoUrls": [{"url": video}]}

    def reset(self) -> None:
        self._seen.clear()

    def render(self, task: SimTask, snap: Snapshot, base_url: str) -> Payload:
        done = snap.status == "SUCCESS"
        prompt_en, final, description = task.prompt, task.final_prompt, task.description
        if task.kind == "describe":  # the four prompts appear only on SUCCESS
            prompt_en = final = task.result_text if done else None
        elif task.kind == "shorten" and done and task.result_text:
            description = final = task.result_text
        if self.flavor == "relay":
            return self._relay(task, snap, base_url, prompt_en, final)
        props: Payload = {"finalPrompt": final, "finalZhPrompt": "", **INSTANCE_PROPS}
        props |= {"botType": task.bot_type, "notifyHook": task.notify_hook or ""}
        if task.custom_id:
            props["custom_id"] = task.custom_id
        if done:
            props |= {"messageHash": task.job_hash, "messageId": f"13{task.id}", "flags": 0}
        image, video = self._media(
            task, snap, base_url + snap.image_path if snap.image_path else None, base_url
        )
        return {
            "id": task.id,
            "action": task.action,
            "status": snap.status,
            "prompt": task.prompt,
            "promptEn": prompt_en,
            "description": MODAL_DESCRIPTION if snap.status == "MODAL" else description,
            "state": task.state,
            "mode": task.mode,
            "submitTime": task.submit_ms,
            "startTime": snap.start_ms,
            "finishTime": snap.finish_ms,
            "imageUrl": image,
            "progress": snap.progress,
            "failReason": snap.fail_reason,
            "properties": props,
            "buttons": task.buttons if done else [],
            **video,
        }

    def _relay(
        self, task: SimTask, snap: Snapshot, base_url: str, prompt_en: str | None, final: str | None
    ) -> Payload:
        # new-api's fixed DTO: "" instead of null, 0 for unset times, its own image proxy
        # URL, a blank status until its first upstream sync, no `buttons` until SUCCESS.
        first = task.id not in self._seen
        self._seen.add(task.id)
        status = "" if first else snap.status
        progress = "" if first else ("100%" if status == "FAILURE" else snap.progress or "")
        image = ""
        if snap.image_path and not first:
            image = f"{base_url}/mj/image/{task.id}"
            if status != "SUCCESS":
                image += f"?rand={progress.rstrip('%')}"
        out: Payload = {
            "id": task.id,
            "action": task.relay_action,
            "customId": "",
            "botType": "",
            "prompt": task.prompt or "",
            "promptEn": prompt_en or "",
            "description": task.submit_description,
            "state": task.state or "",
            "submitTime": task.submit_ms,
            "startTime": snap.start_ms or 0,
            "finishTime": snap.finish_ms or 0,
            "imageUrl": image,
            "status": status,
            "progress": progress,
            "failReason": snap.fail_reason or "",
            "maskBase64": "",
            "properties": {"finalPrompt": final or "", "finalZhPrompt": ""},
        }
        if status == "SUCCESS":
            out["buttons"] = task.buttons
            shown, video = self._media(task, snap, image, base_url)
            out |= {"imageUrl": shown or "", **video}
        return out


def submitted(sub: Submitted, flavor: str, result_as_number: bool) -> Payload:
    code = sub.code
    if flavor == "relay" and (code == 22 or (code == 21 and not sub.keep_modal_code)):
        code = 1  # new-api reports queued and remix-modal submits as plain success
    result: str | int | None = sub.result
    if result_as_number and sub.result and sub.result.isdigit():
        result = int(sub.result)  # some doc pages / relays send the id as a bare number
    return {
        "code": code,
        "description": sub.description,
        "result": result,
        "properties": sub.properties,
    }


def error(err: SimError, flavor: str) -> tuple[int, Payload]:
    """(HTTP status, body): proxies answer 200 + code, relays HTTP 400 + upstream_error."""
    if flavor == "relay":
        return 400, {"code": err.code, "description": err.description, "type": "upstream_error"}
    return 200, {
        "code": err.code,
        "description": err.description,
        "result": None,
        "properties": err.properties,
    }
