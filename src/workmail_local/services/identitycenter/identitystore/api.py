"""The identitystore handler registry and its modelled errors."""

from workmail_local.protocol.dispatch import Handlers
from workmail_local.protocol.model import load_service

handlers = Handlers("identitystore")

errors = load_service("identitystore").errors
