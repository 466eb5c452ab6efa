"""The HTTP subcommands: ``serve`` (the whole service in one process) and ``api`` (HTTP alone)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bratasena import deployment
from bratasena.settings import get_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``serve`` and ``api``."""
    serve = subparsers.add_parser(
        "serve",
        help="the whole service in one process: API (and web pages), projections, sync worker",
    )
    _listen_options(serve)
    serve.add_argument(
        "--demo",
        action="store_true",
        help="seed a synthetic Blora with demo accounts and run stand-in sync targets",
    )
    serve.set_defaults(handler=_serve, runner="thread")

    api = subparsers.add_parser(
        "api", help="the HTTP API alone (projections and sync run as their own processes)"
    )
    _listen_options(api)
    api.set_defaults(handler=_serve, runner="inline")


def _listen_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on")
    parser.add_argument(
        "--workers",
        type=_workers,
        default=1,
        help="worker processes serving on the one port (default 1); the projection runner "
        "and the sync worker run in one of them",
    )


def _workers(text: str) -> int:
    count = int(text)
    if not 1 <= count <= 64:
        raise argparse.ArgumentTypeError("--workers must be between 1 and 64")
    return count


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from bratasena.api.logs import hide_query_values
    from bratasena.bootstrap import create_app

    settings = get_settings()
    try:
        deployment.check(settings)
    except deployment.StoreOwnedError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if getattr(args, "demo", False):
        from bratasena.demo import prepare

        settings, _stand_ins = prepare(settings, base_url=f"http://{args.host}:{args.port}")
    # X-Forwarded-For is believed only from BRATASENA_TRUSTED_PROXIES (none by default): from
    # anyone else, a rotating header would give every request a fresh address and defeat the
    # rate limit and the login throttle.
    trusted = settings.trusted_proxy_list()
    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "log_level": "info",
        "proxy_headers": bool(trusted),
        "forwarded_allow_ips": trusted or None,
    }
    if args.workers > 1:
        from bratasena import workers

        workers.serve(settings, args.runner, workers=args.workers, **options)
        return 0
    config = uvicorn.Config(create_app(settings, runner=args.runner), **options)
    # After uvicorn has configured its loggers: request lines without query values.
    hide_query_values()
    uvicorn.Server(config).run()
    return 0
