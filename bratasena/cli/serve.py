"""The HTTP subcommands: ``serve`` (the whole service in one process) and ``api`` (HTTP alone)."""

from __future__ import annotations

import argparse
import sys

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
    asgi = create_app(settings, runner=args.runner)
    # One worker: the runner and worker threads, the login throttle and the rate limiter live in
    # this process; scale out with more `bratasena api` processes behind a proxy instead.
    # X-Forwarded-For is believed only from BRATASENA_TRUSTED_PROXIES (none by default): from
    # anyone else, a rotating header would give every request a fresh address and defeat the
    # rate limit and the login throttle.
    trusted = settings.trusted_proxy_list()
    config = uvicorn.Config(
        asgi,
        host=args.host,
        port=args.port,
        log_level="info",
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None,
    )
    # After uvicorn has configured its loggers: request lines without query values.
    hide_query_values()
    uvicorn.Server(config).run()
    return 0
