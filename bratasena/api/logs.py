"""What the server writes to its logs: request lines with query values hidden.

Searches carry personal data in their query strings (`/api/v1/households?nik=…`,
`/rumah-tangga?kk=…`, a name typed in the dashboard's search, a citizen's tracking code), and the
access log would otherwise write them in clear text. The log keeps which parameters a request
had, never their values.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

HIDDEN = "…"


def without_query_values(path: str) -> str:
    """``/households?nik=3316…&page=2`` → ``/households?nik=…&page=…``."""
    route, mark, query = path.partition("?")
    if not mark:
        return path
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
