"""The hosted services and their handlers."""

from __future__ import annotations

import importlib

from workmail_local.protocol.dispatch import Handlers

# botocore service name → package whose ``api.handlers`` holds its operations.
HOSTED = {
    "workmail": "workmail_local.services.workmail",
}


def load_handlers() -> dict[str, Handlers]:
    """Import every service package (registering its handlers) and return the registries."""
    registries = {}
    for name, package in HOSTED.items():
        importlib.import_module(package)
        registries[name] = importlib.import_module(f"{package}.api").handlers
    return registries
