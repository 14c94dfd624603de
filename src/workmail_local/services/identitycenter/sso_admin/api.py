"""The sso-admin handler registry and its modelled errors."""

from workmail_local.protocol.dispatch import Handlers
from workmail_local.protocol.model import load_service

handlers = Handlers("sso-admin")

errors = load_service("sso-admin").errors
