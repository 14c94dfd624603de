"""External directories (AWS Directory Service stand-ins) for ``CreateOrganization(DirectoryId=…)``.

The emulator hosts no Directory Service; registering a directory here makes its ID
known to the caller's account and region, so AD-backed organizations can be created.
"""

from __future__ import annotations

from typing import Any

import regex

from workmail_local import ids
from workmail_local.control import ControlError, ControlRequest, require, route

_DIRECTORY_ID = regex.compile(r"^d-[0-9a-f]{10}$")
DIRECTORY_TYPES = ("SimpleAD", "MicrosoftAD", "ADConnector", "VpcDirectory")


@route("POST", "/directories", admin=True,
       members={"Alias": str, "DirectoryId": str, "DirectoryType": str})
def register_directory(req: ControlRequest) -> tuple[int, dict[str, Any]]:
    alias = require(req.body, "Alias")
    directory_id = req.body.get("DirectoryId") or ids.directory_id()
    directory_type = req.body.get("DirectoryType", "VpcDirectory")
    if not isinstance(directory_id, str) or not _DIRECTORY_ID.search(directory_id):
        raise ControlError(400, "ValidationException", "DirectoryId must match ^d-[0-9a-f]{10}$")
    if directory_type not in DIRECTORY_TYPES:
        raise ControlError(400, "ValidationException", f"DirectoryType must be one of {', '.join(DIRECTORY_TYPES)}")
    if req.tx.one("SELECT 1 FROM directories WHERE account = ? AND region = ? AND id = ?",
                  (req.account, req.region, directory_id)):
        raise ControlError(409, "ConflictException", f"Directory {directory_id} already exists")
    req.tx.execute(
        "INSERT INTO directories (account, region, id, alias, directory_type, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (req.account, req.region, directory_id, alias, directory_type, req.now),
    )
    return 200, {"DirectoryId": directory_id, "Alias": alias, "DirectoryType": directory_type,
                 "AccountId": req.account, "Region": req.region}
