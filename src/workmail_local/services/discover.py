"""Importing every module of a service package, so each resource module registers its handlers."""

from __future__ import annotations

import importlib
import pkgutil


def import_submodules(package_name: str) -> None:
    """Import each module of ``package_name`` (not sub-packages, not ``_private`` ones)."""
    package = importlib.import_module(package_name)
    for info in pkgutil.iter_modules(package.__path__):
        if not info.ispkg and not info.name.startswith("_"):
            importlib.import_module(f"{package_name}.{info.name}")
