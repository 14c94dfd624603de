"""Durable state: one schema, versioned migrations, one transaction per request."""

from workmail_local.store.engine import Store, StoreInUseError, StoreUnavailableError, open_store
from workmail_local.store.rows import Row, Tx

__all__ = ["Row", "Store", "StoreInUseError", "StoreUnavailableError", "Tx", "open_store"]
