"""Reading a request body within ``--max-request-bytes``, and the 413 for one over it,
as methods of :class:`~workmail_local.app.App` (a mixin, like :mod:`workmail_local.pipeline`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from workmail_local.access_log import escape
from workmail_local.control import PREFIX as CONTROL_PREFIX
from workmail_local.protocol.errors import RequestEntityTooLarge

if TYPE_CHECKING:
    from workmail_local.access_log import AccessLog
    from workmail_local.config import Settings
    from workmail_local.request_ids import RequestIds


class BodyLimit:
    """``_read_body`` and ``too_large``; mixed into :class:`~workmail_local.app.App`."""

    settings: Settings
    request_ids: RequestIds
    access_log: AccessLog

    async def _read_body(self, headers: dict[bytes, bytes], receive: Any) -> bytes | int | None:
        """The request body; or, when it is over ``--max-request-bytes``, the size known so
        far (an ``int``: the declared Content-Length, else the bytes received when the
        running count passed the limit), without reading the rest; ``None`` when the
        client disconnected. Chunks are joined once: reading is linear in size."""
        limit = self.settings.max_request_bytes
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return int(declared)
        chunks: list[bytes] = []
        total = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            if chunk:
                total += len(chunk)
                if total > limit:
                    return total
                chunks.append(chunk)
            if not message.get("more_body"):
                break
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def too_large(self, path: str, headers: dict[bytes, bytes],
                  size: int) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        """413 for a body over the limit; the connection is closed (the rest is never read)."""
        request_id = self.request_ids.next()
        code = RequestEntityTooLarge.code
        limit = self.settings.max_request_bytes
        payload = orjson.dumps({
            "__type": code,
            "message": f"The request body ({size} bytes or more) is larger than the {limit} bytes this server "
                       "accepts (--max-request-bytes).",
        })
        if self.access_log.enabled:
            target = headers.get(b"x-amz-target", b"").decode("latin-1").rpartition(".")[2] or "-"
            label = path if path.startswith(CONTROL_PREFIX) else target
            self.access_log.write(f"{escape(label)} status=413 error={code} bytes={size}")
        return 413, payload, [(b"x-amzn-requestid", request_id.encode()), (b"x-amzn-errortype", code.encode()),
                              (b"connection", b"close")]
