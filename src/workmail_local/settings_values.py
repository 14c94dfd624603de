"""The pieces :mod:`workmail_local.config` builds settings from: where each raw value comes
from (flag, else ``WORKMAIL_LOCAL_<NAME>``, else default), the converters that turn text
into a value or a one-line :class:`SettingError`, and the data directory's check.

Each converter takes ``(value, source)``, ``source`` being the flag or variable the value
came from, so that the error names it.
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

_TRUE, _FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


class SettingError(SystemExit):
    """A setting that cannot be used; ``str()`` is the one line to print (exit status 2)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def env_name(name: str) -> str:
    """The environment variable of a setting: ``WORKMAIL_LOCAL_<name>``."""
    return f"WORKMAIL_LOCAL_{name}"


class Reader:
    """Each setting's raw text (flag, else environment, else default) and where it came from."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args

    def raw(self, flag: str, env: str, default: Any) -> tuple[Any, str]:
        value = getattr(self.args, flag[2:].replace("-", "_"), None)
        if value is not None:
            return value, flag
        if env_name(env) in os.environ:
            return os.environ[env_name(env)], env_name(env)
        return default, flag

    def get(self, flag: str, env: str, default: Any, convert: Callable[[str, str], Any] | None = None) -> Any:
        value, source = self.raw(flag, env, default)
        if convert is None or value is default:
            return value
        return convert(value, source)


def bad(source: str, value: object, allowed: str) -> SettingError:
    """The error for ``value`` from ``source``, which must be ``allowed``."""
    return SettingError(f"{source} must be {allowed}; got {value!r}")


def port(value: str, source: str) -> int:
    """A port number, 0 to 65535 (0: pick a free one)."""
    text = value.strip()
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise bad(source, value, "a port number from 0 to 65535")
    return int(text)


def seconds(allowed: str, positive: bool = False) -> Callable[[str, str], float]:
    """A converter to a finite number of seconds, 0 or more (more than 0 when ``positive``)."""
    def convert(value: str, source: str) -> float:
        try:
            number = float(value)
        except ValueError:
            raise bad(source, value, allowed) from None
        if not math.isfinite(number) or number < 0 or (positive and number == 0):
            raise bad(source, value, allowed)
        return number
    return convert


def endpoint_url(value: str, source: str) -> str:
    """An http(s) URL with a host."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad(source, value, "an http(s):// URL such as http://127.0.0.1:9000")
    return value.strip()


def lambda_endpoints(value: str, source: str) -> tuple[tuple[str, str], ...]:
    """Comma-separated ``ARN=URL`` pairs."""
    pairs = []
    for item in filter(None, (part.strip() for part in value.split(","))):
        arn, _, url = item.partition("=")
        if not arn.startswith("arn:") or not url:
            raise bad(source, value, "ARN=URL pairs separated by commas")
        pairs.append((arn, endpoint_url(url, source)))
    return tuple(pairs)


def whole_number(unit: str) -> Callable[[str, str], int]:
    """A converter to a whole number of ``unit``, 1 or more."""
    def convert(value: str, source: str) -> int:
        text = value.strip()
        if not text.isdigit() or int(text) < 1:
            raise bad(source, value, f"a whole number of {unit}, 1 or more")
        return int(text)
    return convert


byte_count = whole_number("bytes")


def choice(choices: tuple[str, ...]) -> Callable[[str, str], str]:
    """A converter that accepts one of ``choices``."""
    def convert(value: str, source: str) -> str:
        if value not in choices:
            raise bad(source, value, f"one of {', '.join(choices)}")
        return value
    return convert


def boolean(value: str, source: str) -> bool:
    """1/true/yes/on or 0/false/no/off (or empty), any case."""
    text = value.strip().lower()
    if text not in _TRUE + _FALSE:
        raise bad(source, value, "1, true, yes or on (or 0, false, no, off)")
    return text in _TRUE


def host_port(value: str, source: str) -> tuple[str, int]:
    """``HOST:PORT`` (an IPv6 host may be bracketed); the port 1 to 65535."""
    host, _, port = value.strip().rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise bad(source, value, "HOST:PORT, e.g. 127.0.0.1:24024")
    return host, int(port)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is ``localhost`` or a loopback address."""
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_data_dir(path: Path, source: str) -> None:
    """A data directory must be a readable, writable directory, or a new one in an existing
    directory (only the last component is ever created)."""
    if path.exists():
        if not path.is_dir():
            raise bad(source, str(path), "a directory, not a file")
        if not os.access(path, os.R_OK | os.W_OK | os.X_OK):
            raise bad(source, str(path), "a directory this user can read and write")
        return
    parent = path.absolute().parent
    if not parent.is_dir():
        raise bad(source, str(path), f"a directory whose parent exists ({parent} does not: create it first)")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise bad(source, str(path), f"a directory this user can create ({parent} is not writable)")
