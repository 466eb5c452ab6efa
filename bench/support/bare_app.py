"""The baseline of bench/http_api.py: a bare FastAPI route answering a fixed case-list page.

One sync route, no middleware, no account, no store: what the framework and uvicorn cost for an
answer of the same size as `GET /api/v1/cases` (the page is read from BENCH_PAYLOAD, a JSON file
the benchmark saved from the real service in the same run).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI

PAYLOAD: dict[str, Any] = json.loads(Path(os.environ["BENCH_PAYLOAD"]).read_text())

app = FastAPI()


@app.get("/page")
def page() -> dict[str, Any]:
    """25 case-sized dicts, encoded by FastAPI on every request like any route's answer."""
    return PAYLOAD
