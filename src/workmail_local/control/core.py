"""Health, reset and the clock."""

from __future__ import annotations

import math
from typing import Any

from workmail_local import __version__
from workmail_local.clock import to_millisecond
from workmail_local.control import NUMBER, ControlError, ControlRequest, route


@route("GET", "/health")
def health(req: ControlRequest) -> tuple[int, dict[str, Any]]:
    """200 ``ok`` once the server serves; 503 ``starting`` while some workers of ``serve
    --workers`` are not serving yet (this one answers, the others are moments away)."""
    body = {"status": "ok", "version": __version__, "services": sorted(req.app.services_by_name)}
    if not req.app.ready:
        return 503, {**body, "status": "starting"}
    return 200, body


@route("POST", "/reset", admin=True)
def reset(req: ControlRequest) -> tuple[int, dict[str, Any]]:
    req.app.reset(req.tx)
    return 200, {"status": "reset"}


def _clock(req: ControlRequest) -> dict[str, Any]:
    return {"now": to_millisecond(req.app.clock.now()), "offset_seconds": req.app.clock.offset}


@route("GET", "/clock")
def get_clock(req: ControlRequest) -> tuple[int, dict[str, Any]]:
    return 200, _clock(req)


# The clock may be moved up to a century ahead: beyond that timestamps leave the range
# SDKs parse (and a typo like 1e300 would expire everything until a reset).
MAX_OFFSET_SECONDS = 100 * 365.25 * 86400


def _seconds(body: dict[str, Any], name: str) -> float:
    value = body[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not 0 <= value <= MAX_OFFSET_SECONDS:
        raise ControlError(400, "ValidationException",
                           f"{name} must be a number of seconds from 0 to {MAX_OFFSET_SECONDS:.0f} (100 years)")
    return float(value)


@route("POST", "/clock", admin=True, members={"advance_seconds": NUMBER, "offset_seconds": NUMBER})
def set_clock(req: ControlRequest) -> tuple[int, dict[str, Any]]:
    """``{"advance_seconds": N}`` moves the clock forward by N; ``{"offset_seconds": N}``
    sets its offset from real time to N (0: real time again). Data is kept either way."""
    given = [name for name in ("advance_seconds", "offset_seconds") if req.body.get(name) is not None]
    if len(given) != 1:
        raise ControlError(400, "ValidationException", "Give exactly one of advance_seconds or offset_seconds")
    if given[0] == "advance_seconds":
        offset = req.app.clock.offset + _seconds(req.body, "advance_seconds")
        if offset > MAX_OFFSET_SECONDS:
            raise ControlError(400, "ValidationException",
                               f"The clock would be {offset:.0f} seconds ahead of real time; at most "
                               f"{MAX_OFFSET_SECONDS:.0f} (100 years) is allowed")
    else:
        offset = _seconds(req.body, "offset_seconds")
    req.app.set_clock_offset(req.tx, offset)
    return 200, _clock(req)
