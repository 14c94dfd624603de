"""The limit: the least an ASGI app can do for an AWS JSON request — read the body, answer ``{}``.

It runs under the same HTTP stack and settings as ``workmail-local serve`` (uvicorn with
uvloop and httptools, no access log), so the difference between the two is the cost of
WorkMail Local's own work.

    python bench/bare_app.py --port 9000
"""

from __future__ import annotations

import argparse
from typing import Any

import uvicorn

HEADERS = [(b"content-type", b"application/x-amz-json-1.1"), (b"content-length", b"2")]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Read the whole body, answer 200 ``{}``."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": b"{}"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    args = parser.parse_args()
    # The same settings as workmail_local.cli.serve.
    uvicorn.run(app, host=args.host, port=args.port, loop="uvloop", http="httptools", lifespan="on",
                access_log=False, log_level="warning", server_header=False)


if __name__ == "__main__":
    main()
