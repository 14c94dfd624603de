"""The WorkMail service's handler registry and its modelled errors."""

from workmail_local.protocol.dispatch import Handlers
from workmail_local.protocol.model import load_service

handlers = Handlers("workmail")

# errors.OrganizationNotFoundException etc.: classes built from the model's error shapes.
errors = load_service("workmail").errors
