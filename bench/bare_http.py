"""The least a Python HTTP server can do with a 1 MiB document: the floor under the archive.

The same server stack as ``archive serve`` (uvicorn on uvloop and httptools, chosen the
same way) with no framework, no sign-in, no database, no store and no check: a GET sends
``BODY`` (1 MiB, held in memory) in one piece, a POST reads the whole body and throws it
away, and ``GET /json`` answers a small JSON body. What the benchmarks measure against it
is what HTTP in Python costs by itself.

    .venv/bin/python -m uvicorn bare_http:app --app-dir bench --port 8123
"""

from __future__ import annotations

import os

from starlette.types import Receive, Scope, Send

BODY = os.urandom(1024 * 1024)
_LENGTH = str(len(BODY)).encode()
# GET /json: a small JSON answer, the floor under an API call such as a search.
SMALL = b'{"total": 0, "groups": [], "facets": {}}'


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    if scope["method"] == "POST":
        more = True
        while more:
            message = await receive()
            more = message.get("more_body", False)
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    if scope["path"] == "/json":
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": SMALL})
        return
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/pdf"), (b"content-length", _LENGTH)],
        }
    )
    await send({"type": "http.response.body", "body": BODY})
