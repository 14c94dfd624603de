"""The WorkMail service's handler registry and its modelled errors."""

from typing import TypeVar

from workmail_local.protocol.dispatch import Handlers
from workmail_local.protocol.model import load_service

handlers = Handlers("workmail")

# errors.OrganizationNotFoundException etc.: classes built from the model's error shapes.
errors = load_service("workmail").errors

T = TypeVar("T")


def found(row: T | None, error: Exception) -> T:
    """``row``, or ``error`` raised when there is none (a lookup that must find something)."""
    if row is None:
        raise error
    return row
