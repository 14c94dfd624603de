"""Durable state: one schema, versioned migrations, one transaction per request."""

from workmail_local.store.engine import Row, Store, StoreInUseError, StoreUnavailableError, Tx, open_store

__all__ = ["Row", "Store", "StoreInUseError", "StoreUnavailableError", "Tx", "open_store"]
