"""One active scheduler, guaranteed by the database, never by there being one process.

PostgreSQL: a session advisory lock held on a dedicated connection for the process's life;
it vanishes with the connection, so a dead scheduler frees it at once. SQLite: a lease row
(scheduler_leases) renewed every tick and taken over by anyone once it has expired.
"""
from datetime import datetime, timedelta
import logging
import os
import socket
import threading
import uuid
import zlib

from sqlalchemy import text, update
from sqlalchemy.exc import IntegrityError

from app.core.clock import utcnow
from app.reminders.models import SchedulerLease

log = logging.getLogger(__name__)


class SchedulerLock:
    def __init__(self, engine, name: str = "scheduler", ttl: timedelta = timedelta(minutes=3)):
        self.engine = engine
        self.name = name
        self.ttl = ttl
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._connection = None  # PostgreSQL: the connection that holds the advisory lock
        self._key = None
        # The scan and the delivery job ask from their own threads; the connection is shared.
        self._mutex = threading.Lock()

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def acquire(self, now: datetime | None = None) -> bool:
        """Take or keep the lock; True while this process is the active scheduler."""
        with self._mutex:
            if self.is_postgres:
                return self._advisory()
            return self._lease(now or utcnow())

    def release(self):
        with self._mutex:
            self._release()

    def _release(self):
        if self._connection is not None:
            try:
                # The connection goes back to the pool, so the lock must be let go explicitly.
                self._connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self._key})
                self._connection.close()
            except Exception:
                self._connection.invalidate()  # a dead connection: its lock died with it
            finally:
                self._connection = None
        elif not self.is_postgres:
            with self.engine.begin() as conn:
                conn.execute(SchedulerLease.__table__.delete().where(
                    SchedulerLease.name == self.name, SchedulerLease.holder == self.holder))

    # PostgreSQL
    def _advisory(self) -> bool:
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT 1"))
                return True
            except Exception:  # the connection died, and the lock with it
                log.warning("scheduler: lost the connection holding the lock")
                self._connection = None
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            # The key includes the schema, so two deployments in one database do not collide.
            schema = conn.execute(text("SELECT current_schema()")).scalar()
            key = zlib.crc32(f"{schema}:{self.name}".encode())
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
        except Exception:
            conn.close()
            raise
        if not got:
            conn.close()
            return False
        self._connection, self._key = conn, key
        log.info("scheduler: %s is the active scheduler (advisory lock %s)", self.holder, key)
        return True

    # SQLite (and anything without advisory locks)
    def _lease(self, now: datetime) -> bool:
        table = SchedulerLease.__table__
        expires = now + self.ttl
        with self.engine.begin() as conn:
            taken = conn.execute(
                update(table).where(table.c.name == self.name,
                                    (table.c.holder == self.holder) | (table.c.expires_at < now))
                .values(holder=self.holder, expires_at=expires)).rowcount
            if taken:
                return True
        try:
            with self.engine.begin() as conn:
                conn.execute(table.insert().values(name=self.name, holder=self.holder,
                                                   expires_at=expires))
            log.info("scheduler: %s is the active scheduler (lease)", self.holder)
            return True
        except IntegrityError:  # someone else holds a live lease
            return False
