"""`python -m bot.sim` as an operator would run it."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_serving(proc: subprocess.Popen[str], client: httpx.Client) -> float:
    """Until the simulator answers; returns the deadline for the rest of the test."""
    deadline = time.monotonic() + 10
    while True:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        try:
            if client.get("/sim/stats").status_code == 200:
                return deadline
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "simulator did not start"
        time.sleep(0.05)


def test_module_serves_a_task_to_success() -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.sim", "--port", str(port), "--step-seconds", "0.05"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        with httpx.Client(base_url=base, trust_env=False, timeout=2) as client:
            deadline = _wait_until_serving(proc, client)
            answer = client.post("/mj/submit/imagine", json={"prompt": "a red fox"}).json()
            assert answer["code"] == 1
            while True:
                task = client.get(f"/mj/task/{answer['result']}/fetch").json()
                if task["status"] == "SUCCESS":
                    break
                assert time.monotonic() < deadline, task
                time.sleep(0.05)
            assert task["imageUrl"].startswith(base + "/sim/images/")
            assert client.get(task["imageUrl"]).content.startswith(b"\x89PNG\r\n\x1a\n")
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert proc.returncode == 0  # SIGTERM shuts down cleanly
    assert out.strip().splitlines() == [f"mj simulator (plus) listening on {base}"]


def test_another_host_is_served_with_a_warning_about_authentication() -> None:
    port = _free_port()
    base = f"http://127.0.0.2:{port}"  # another address, still on this machine
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.sim", "--host", "127.0.0.2", "--port", str(port)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        with httpx.Client(base_url=base, trust_env=False, timeout=2) as client:
            _wait_until_serving(proc, client)
            answer = client.post("/mj/submit/imagine", json={"prompt": "a fox"}).json()
            task = client.get(f"/mj/task/{answer['result']}/fetch").json()
            assert task["id"] == answer["result"]
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=10)
    assert out.strip().splitlines() == [f"mj simulator (plus) listening on {base}"]
    assert err == ""  # a loopback address needs no warning


def test_a_host_beyond_this_machine_is_warned_about() -> None:
    # 192.0.2.1 (TEST-NET-1) is no address of this machine: the warning comes first, then
    # the bind fails with one line; nothing ever listens beyond loopback.
    done = subprocess.run(
        [sys.executable, "-m", "bot.sim", "--host", "192.0.2.1", "--port", str(_free_port())],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    warning, failure = done.stderr.strip().splitlines()
    assert warning.startswith("warning: listening on 192.0.2.1: the simulator has no real")
    assert failure.startswith("bot.sim: ") and done.returncode == 1
