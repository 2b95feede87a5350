"""Telling a lost database connection from an error of the task itself."""

import logging

from django.db import connections
from django.db.utils import InterfaceError, OperationalError

logger = logging.getLogger(__name__)


def _chain(exc):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def connection_lost(exc: BaseException, using: str = "default") -> bool:
    """True when `exc` comes from a database connection that is gone (terminated, server
    restarted, network cut), as opposed to an error in the work itself ("database is locked"
    on SQLite, a constraint, a bad query): the connection no longer answers."""
    if not any(isinstance(e, OperationalError | InterfaceError) for e in _chain(exc)):
        return False
    connection = connections[using]
    if connection.connection is None:
        return True
    if connection.in_atomic_block:  # is_usable() may not run inside a broken transaction
        return True
    try:
        return not connection.is_usable()
    except Exception:
        return True


def close_connections() -> None:
    """Drop this thread's database connections, whatever state they are in (the next query
    opens a fresh one)."""
    for connection in connections.all(initialized_only=True):
        try:
            connection.close()
        except Exception:  # a dead connection may refuse to close; Django drops it anyway
            logger.debug("Dropped a broken connection to %s", connection.alias)
