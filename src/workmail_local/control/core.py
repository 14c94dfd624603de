"""Health, reset and the clock."""

from __future__ import annotations

from typing import Any

from workmail_local import __version__
from workmail_local.control import ControlError, ControlRequest, route


@route("GET", "/health")
def health(req: ControlRequest) -> tuple[int, dict[str, Any]]:
    return 200, {"status": "ok", "version": __version__, "services": sorted(req.app.services_by_name)}


@route("POST", "/reset")
def reset(req: ControlRequest) -> tuple[int, dict[str, Any]]:
    req.app.reset(req.tx)
    return 200, {"status": "reset"}


def _clock(req: ControlRequest) -> dict[str, Any]:
    return {"now": req.app.clock.now(), "offset_seconds": req.app.clock.offset}


@route("GET", "/clock")
def get_clock(req: ControlRequest) -> tuple[int, dict[str, Any]]:
    return 200, _clock(req)


@route("POST", "/clock")
def advance_clock(req: ControlRequest) -> tuple[int, dict[str, Any]]:
    seconds = req.body.get("advance_seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
        raise ControlError(400, "ValidationException", "advance_seconds must be a number of seconds, 0 or more")
    req.app.set_clock_offset(req.tx, req.app.clock.offset + seconds)
    return 200, _clock(req)
