"""Django's PostgreSQL backend with a health check that costs no round trip.

With ``CONN_MAX_AGE`` a worker keeps its connection between requests, and
``CONN_HEALTH_CHECKS`` makes Django check it before a request's first query, so the
first request after a database restart does not fail on a dead connection. Django's
check is a ``SELECT 1``: one round trip on every request, a sixth of the statements of
a refused redemption (docs/performance.md).

Between requests a healthy connection is idle: the server sends nothing until asked.
When the server goes away — a restart, a crash, ``pg_terminate_backend``, an idle
timeout — it sends its FATAL message and closes the socket, or the kernel closes it
for the dead process; either way the socket becomes readable. So the check here asks
the kernel (``select`` with no wait) instead of the server: nothing to read, the
connection is as it was left; something to read, Django's ``SELECT 1`` decides (it
reads the FATAL and fails, or reads a harmless notice and passes). A server that
vanished without closing anything (a cut cable) is caught by neither check until a
timeout; that case is the same as before.
"""

import select
from typing import Any

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection: Any = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        try:
            readable, _writable, _failed = select.select([connection.pgconn.socket], [], [], 0)
        except (OSError, ValueError):  # no socket any more
            return False
        if readable:
            return bool(super().is_usable())
        return True
