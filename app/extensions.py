"""Flask extensions, created once and bound to the app in create_app."""
from contextlib import contextmanager

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
import sqlite3
import time

from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# One naming convention so Alembic gets stable constraint names on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

WRITE_LOCK_TIMEOUT = 10.0  # seconds a SQLite statement waits for a lock before it fails
WRITE_LOCK_POLL = 0.0002  # begin_immediate's step
BUSY_TIMEOUT = f"PRAGMA busy_timeout={int(WRITE_LOCK_TIMEOUT * 1000)}"


@event.listens_for(Engine, "connect")
def tune_sqlite(dbapi_connection, _record):
    """SQLite, the embedded default: WAL lets readers run beside the writer, NORMAL sync is
    durable across app crashes (WAL), and a busy timeout queues writers instead of failing."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(BUSY_TIMEOUT)
        cursor.close()


@event.listens_for(Engine, "connect")
def tune_postgresql(dbapi_connection, _record):
    """PostgreSQL: no JIT compilation of statements. Its planner compiles any statement whose
    estimated cost passes `jit_above_cost` — the figures over a year or more, the ledger's
    rows — and the compilation alone took 0.5–1.1 s at a million cases, more than the
    statements themselves (bench/ledger_at_scale.py; docs/figures.md)."""
    if type(dbapi_connection).__module__.startswith("psycopg"):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        dbapi_connection.commit()


@event.listens_for(Engine, "savepoint")
def open_sqlite_transaction_before_savepoint(connection, _name):
    """pysqlite only opens a transaction before INSERT/UPDATE/DELETE, so a SAVEPOINT issued
    first would start one of its own and RELEASE would commit it — a savepoint inside a
    request would survive the request's rollback. Open the outer transaction first, IMMEDIATE:
    a savepoint is about to write, and a deferred transaction that reads first cannot take the
    write lock once another process has committed (WAL answers "database is locked" at once,
    without waiting out busy_timeout)."""
    if connection.dialect.name == "sqlite":
        open_write_transaction(connection)


def open_write_transaction(connection):
    """On a SQLite connection, BEGIN IMMEDIATE unless pysqlite has a transaction open already."""
    dbapi_connection = connection.connection.dbapi_connection
    if not dbapi_connection.in_transaction:
        begin_immediate(dbapi_connection)


def begin_immediate(dbapi_connection, timeout=WRITE_LOCK_TIMEOUT):
    """BEGIN IMMEDIATE, waiting for the write lock in steps of 0.2 ms.

    SQLite's own busy handler sleeps 1, 2, 5, 10, 15… ms between tries: another worker's
    submission holds the lock for well under a millisecond, so the waiter overslept and the
    CPU idled (half a millisecond per submission on average under the peer benchmark's load).
    Only this statement waits here; every other one keeps busy_timeout."""
    dbapi_connection.execute("PRAGMA busy_timeout=0")
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                dbapi_connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
            time.sleep(WRITE_LOCK_POLL)
    finally:
        dbapi_connection.execute(BUSY_TIMEOUT)


@contextmanager
def retryable_write():
    """Around one write that may break a unique constraint and be tried again (a tracking
    number drawn twice): afterwards the transaction goes on either way.

    PostgreSQL aborts the whole transaction on an error, so the write gets a savepoint. SQLite
    undoes only the failed statement and the transaction stays open, so a savepoint (two more
    statements and SQLAlchemy's nested-transaction bookkeeping, on every public submission)
    would buy nothing; the write lock is taken first, as before a savepoint (above)."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        with db.session.begin_nested():
            yield
        return
    open_write_transaction(connection)
    yield
