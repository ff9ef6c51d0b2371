"""`python -m bot.sim`: serve the simulator (on 127.0.0.1 unless `--host`) until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import logging
import signal
import sys

from bot.sim.server import DEFAULT_PORT, FLAVORS, HOST, SimConfig, Simulator


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bot.sim", description="Loopback midjourney-proxy aggregator simulator."
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="TCP port (0 = any)")
    parser.add_argument(
        "--host",
        default=HOST,
        help=f"address to listen on (default {HOST}); another one serves other machines "
        "or containers, and anyone who reaches it: it has no real authentication",
    )
    parser.add_argument(
        "--public-url",
        default=None,
        help="the root URL clients reach it at, used in its image links (default http://HOST:PORT)",
    )
    parser.add_argument("--step-seconds", type=float, default=1.0, help="seconds per stage")
    parser.add_argument("--api-key", default=None, help="require this key (Bearer/mj-api-secret)")
    parser.add_argument("--flavor", choices=FLAVORS, default="plus", help="server family")
    parser.add_argument("--remix", action="store_true", help="V/reroll/pan open a MODAL")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    return parser.parse_args(argv)


def exposure_warning(host: str) -> str | None:
    """What to tell whoever serves the simulator beyond this machine."""
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        if host == "localhost":
            return None
    return (
        f"warning: listening on {host or 'every address'}: the simulator has no real "
        "authentication (any key, or --api-key sent in clear), and /sim/* lets anyone "
        "change its faults; serve it only on a network you trust"
    )


async def serve(config: SimConfig, *, verbose: bool = False) -> None:
    sim = Simulator(config)
    access_log = None
    if verbose:
        logging.basicConfig(level=logging.INFO, format="%(message)s")
        access_log = logging.getLogger("bot.sim.access")
    await sim.start(access_log=access_log)
    print(f"mj simulator ({config.flavor}) listening on {sim.base_url}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # Windows has no signal handlers
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await sim.stop()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    warning = exposure_warning(args.host)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    try:
        config = SimConfig(
            host=args.host,
            public_url=args.public_url,
            port=args.port,
            step_seconds=args.step_seconds,
            api_key=args.api_key,
            flavor=args.flavor,
            remix=args.remix,
        )
        asyncio.run(serve(config, verbose=args.verbose))
    except KeyboardInterrupt:
        pass
    except (OSError, ValueError) as exc:
        print(f"bot.sim: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
