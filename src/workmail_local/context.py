"""What a handler receives besides its input: who is calling, when, and the transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workmail_local.config import Settings
from workmail_local.protocol.model import Operation
from workmail_local.protocol.pagination import PageTokens, paginate
from workmail_local.store import Tx
from workmail_local.store.pages import keyset

if TYPE_CHECKING:
    from workmail_local.sealed import SecretBox


@dataclass(slots=True)
class RequestContext:
    """One request: account and region from SigV4, one clock reading, one transaction."""

    account: str
    region: str
    request_id: str
    operation: Operation
    tx: Tx
    now: float
    settings: Settings
    tokens: PageTokens
    # Seals secrets that must be read back (sealed.py); None only where no app runs.
    secrets: SecretBox | None = None

    def paginate(
        self,
        params: dict[str, Any],
        fetch: Callable[[list[Any] | None, int], list[Any]],
        cursor_of: Callable[[Any], Sequence[Any]],
        query: Sequence[Any] = (),
    ) -> tuple[list[Any], str | None]:
        """One page of this list operation (see :func:`workmail_local.protocol.pagination.paginate`)."""
        return paginate(self, params, fetch, cursor_of, query)

    def page(
        self,
        params: dict[str, Any],
        select: str,
        where: str,
        args: Sequence[Any],
        order: Sequence[str],
        query: Sequence[Any] | None = None,
        tuples: bool = False,
    ) -> tuple[list[Any], str | None]:
        """One page of ``select … WHERE where`` ordered by the ``order`` columns (unique
        together): keyset pagination. The page token is bound to ``query`` (default: the
        filter's arguments). ``tuples``: plain-tuple rows ending with the ``order`` columns."""
        fetch, cursor_of = keyset(self.tx, select, where, args, order, tuples)
        return paginate(self, params, fetch, cursor_of, list(args) if query is None else query)
