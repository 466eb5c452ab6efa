"""What the server writes to its logs: request lines with query values and tracking codes hidden.

Searches carry personal data in their query strings (`/api/v1/households?nik=…`,
`/rumah-tangga?kk=…`, a name typed in the dashboard's search, a citizen's tracking code), and the
access log would otherwise write them in clear text. The log keeps which parameters a request
had, never their values. A citizen's tracking code also travels in a path segment
(`/api/v1/complaints/track/CODE`, `/aduan/terkirim/CODE`): anyone holding it follows the case, so
it is hidden the same way.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

HIDDEN = "…"


CODE_PATHS = ("/api/v1/complaints/track/", "/aduan/terkirim/")
"""Paths whose next segment is a citizen's tracking code."""


def without_query_values(path: str) -> str:
    """``/households?nik=3316…&page=2`` → ``/households?nik=…&page=…``; tracking codes → ``…``."""
    route, mark, query = path.partition("?")
    for prefix in CODE_PATHS:
        if route.startswith(prefix):
            rest = route[len(prefix) :]
            route = prefix + HIDDEN + (rest[rest.index("/") :] if "/" in rest else "")
    if not mark:
        return route
    names = [name for name, _ in parse_qsl(query, keep_blank_values=True)]
    return f"{route}?{'&'.join(f'{name}={HIDDEN}' for name in names)}" if names else route


class HideQueryValues(logging.Filter):
    """Rewrites uvicorn's access-log records (client, method, path, version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (args[0], args[1], without_query_values(args[2]), args[3], args[4])
        return True


def hide_query_values(logger_name: str = "uvicorn.access") -> None:
    """Install the filter on the access logger (once)."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(f, HideQueryValues) for f in logger.filters):
        logger.addFilter(HideQueryValues())
