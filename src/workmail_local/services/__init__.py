"""The hosted services and their handlers."""

from __future__ import annotations

import importlib

from workmail_local.protocol.dispatch import Handlers
from workmail_local.services.discover import import_submodules

# botocore service name → package holding its handlers. The package's ``api`` module
# has the ``handlers`` registry; every other module of the package is imported at start-up
# and binds its operations with ``@handlers("OperationName")``.
HOSTED: dict[str, str] = {
    "workmail": "workmail_local.services.workmail",
    "sso-admin": "workmail_local.services.identitycenter.sso_admin",
    "identitystore": "workmail_local.services.identitycenter.identitystore",
}


def load_handlers() -> dict[str, Handlers]:
    """Import every service package (registering its handlers) and return the registries."""
    registries = {}
    for name, package in HOSTED.items():
        import_submodules(package)
        registries[name] = importlib.import_module(f"{package}.api").handlers
    return registries
