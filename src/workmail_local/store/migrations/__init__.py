"""Versioned schema migrations.

Each module ``mNNNN_<name>.py`` in this package holds one migration as ``STATEMENTS``;
they are applied in name order, each once, and recorded in ``schema_migrations``.
A released migration is never edited: change the schema with a new module.
Write portable SQL (SQLite and PostgreSQL): ``TEXT``, ``INTEGER``, ``REAL``, no
engine-specific types.
"""

from __future__ import annotations

import importlib
import pkgutil


def _discover() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("m") and info.name[1:5].isdigit():
            module = importlib.import_module(f"{__name__}.{info.name}")
            found[info.name] = list(module.STATEMENTS)
    return found


MIGRATIONS: dict[str, list[str]] = _discover()
