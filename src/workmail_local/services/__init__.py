"""The hosted services and their handlers."""

from __future__ import annotations

import importlib

from workmail_local.protocol.dispatch import Handlers

# botocore service name → module whose ``handlers`` registry holds its operations.
# Importing a service's package registers its handlers (each resource module binds its own).
HOSTED: dict[str, str] = {
    "workmail": "workmail_local.services.workmail.api",
}
PACKAGES: dict[str, str] = {
    "workmail": "workmail_local.services.workmail",
}


def load_handlers() -> dict[str, Handlers]:
    """Import every service package (registering its handlers) and return the registries."""
    registries = {}
    for name, api_module in HOSTED.items():
        importlib.import_module(PACKAGES[name])
        registries[name] = importlib.import_module(api_module).handlers
    return registries
