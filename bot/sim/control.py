"""Operator/test control plane (`/sim/*`) and the image routes; no auth, no faults."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from bot.sim.app import json_response, update_from_json
from bot.sim.images import task_image
from bot.sim.video import tiny_mp4

if TYPE_CHECKING:
    from bot.sim.server import Simulator

_HELP = """midjourney-proxy simulator
API base URL: {base} (clients append /mj/...; prefixes /mj-fast /mj-relax /mj-turbo work too)
GET  /sim/stats   request counters per endpoint
GET  /sim/faults  current faults;  POST /sim/faults {{"http_500": 2, ...}} to change them
POST /sim/reset   forget tasks, counters and faults
GET  /v1/dashboard/billing/subscription, /v1/dashboard/billing/usage  new-api style quota
GET  /sim/billing  the quota figures;  POST /sim/billing {{"limit_usd": 5}} to change them
POST /v1/chat/completions  OpenAI-style chat (prompt translation): a small Chinese word list;
  faults chat_errors, chat_timeouts (after timeout_seconds), chat_mangled, chat_unsupported
Prompt tricks: "sim:fail" fails at ~50%, "sim:stuck" never finishes, "bannedword" -> code 24
POST /mj/insight-face/swap  face swap (SWAP_FACE); fault swapface_unsupported -> code 4
Animate buttons on upscales give videos: videoUrl -> /sim/videos/<id>/video.mp4 (a tiny MP4;
  faults video_bytes pads it, video_in_image_url puts it in imageUrl instead)
POST /mj/submit/upload-discord-images {{"base64Array": [...]}} -> URLs served at /sim/uploads/
  (fault uploads_unsupported answers 404); /mj/submit/describe takes "link" (never fetched)
notifyHook: POSTed the task on each status/progress change (the relay flavour strips it;
  fault drop_notify_hook loses every callback)
Lost submit answers: {{"lose_submit_answers": 1, "lost_answer": "hang"|"drop"}}; the task
  is found again by its state: POST /mj/task/query {{"state": ...}} or GET /mj/task/list
  (faults task_query_unsupported / task_list_unsupported answer 404; the relay has neither)
"""


def control_routes(sim: Simulator) -> list[web.RouteDef]:
    async def index(request: web.Request) -> web.StreamResponse:
        return web.Response(text=_HELP.format(base=sim.base_url))

    async def stats(request: web.Request) -> web.StreamResponse:
        return json_response(sim.log.snapshot())

    async def get_faults(request: web.Request) -> web.StreamResponse:
        return json_response(sim.faults.to_dict())

    async def set_faults(request: web.Request) -> web.StreamResponse:
        return await update_from_json(request, sim.faults.update, sim.faults.to_dict)

    async def reset(request: web.Request) -> web.StreamResponse:
        sim.reset()
        return json_response({"ok": True})

    def serve(task_id: str, name: str | None) -> web.StreamResponse:
        task = sim.engine.get(task_id)
        found = task_image(task, name) if task is not None and name else None
        if found is None:
            raise web.HTTPNotFound()
        sim.log.record_image()
        data, content_type = found
        return web.Response(body=data, content_type=content_type)

    async def image(request: web.Request) -> web.StreamResponse:
        return serve(request.match_info["task_id"], request.match_info["name"])

    async def video(request: web.Request) -> web.StreamResponse:
        # A finished video task's file: a tiny MP4, padded by the `video_bytes` fault.
        task = sim.engine.get(request.match_info["task_id"])
        if task is None or task.kind != "video" or request.match_info["name"] != "video.mp4":
            raise web.HTTPNotFound()
        sim.log.record_image()
        data = tiny_mp4(task.id, sim.faults.video_bytes)
        return web.Response(body=data, content_type="video/mp4")

    async def relay_image(request: web.Request) -> web.StreamResponse:
        # new-api style image proxy: whatever the task currently shows (preview or final).
        task = sim.engine.get(request.match_info["task_id"])
        path = sim.engine.snapshot(task).image_path if task is not None else None
        return serve(request.match_info["task_id"], path.rsplit("/", 1)[1] if path else None)

    return [
        web.get("/", index),
        web.get("/sim/stats", stats),
        web.get("/sim/faults", get_faults),
        web.post("/sim/faults", set_faults),
        web.post("/sim/reset", reset),
        web.get("/sim/images/{task_id}/{name}", image),
        web.get("/sim/videos/{task_id}/{name}", video),
        web.get("/mj/image/{task_id}", relay_image),
    ]
