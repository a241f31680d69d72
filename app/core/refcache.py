"""Reference data each worker keeps between requests, exact across workers and hosts.

What every public request reads and staff rarely change — a card with its enterprise, the
categories, the dispatchers who hear of a new case — is kept per process as immutable
snapshots. A snapshot is used only while the one row of `reference_version` holds the number
it was loaded under. A flush that changes a watched row (a model with `__reference_columns__`,
the attributes snapshots are made of) sets a new random number in the same transaction, so
every worker sees the change from its next transaction on. (Random, not +1: a bump that is
rolled back and another one after it, or two test databases, never meet on the same number.) one primary-key read per
transaction replaces the intake pages' card, category and dispatcher queries
(docs/intake.md). Writes that bypass the unit of work (bulk UPDATE, SQL by hand) must bump
the number themselves; the application has none.

Snapshots never enter a session: they carry values, not ORM objects.
"""
from itertools import chain
import secrets

from sqlalchemy import BigInteger, bindparam, event, inspect, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.extensions import db


class ReferenceVersion(db.Model):
    """One row: bumped by every change to reference data (see the module docstring)."""
    __tablename__ = "reference_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


def new_version() -> int:
    return secrets.randbits(62)


_table = ReferenceVersion.__table__
CURRENT = select(_table.c.version).where(_table.c.id == 1)  # Core: no ORM work for one integer
BUMP = update(ReferenceVersion).where(ReferenceVersion.id == 1).values(version=bindparam("new"))
READ = "reference_version"  # session.info: the version this transaction read
CHANGED = "reference_changed"  # session.info: this transaction changed reference data


class _Store:
    def __init__(self):
        self.reset()

    def reset(self, version: int | None = None):
        self.version, self.values = version, {}


_store = _Store()


def cached(key, load):
    """`load()`'s snapshot for `key` under the current reference version, kept for later
    transactions of this process. None (nothing found) is not kept: a card issued a moment
    ago works at once."""
    session = db.session()
    if session.info.get(CHANGED):
        return load()  # this transaction changed reference data: not everyone's view yet
    version = session.info.get(READ)
    if version is None:
        version = session.execute(CURRENT).scalar()
        if version is None:  # a database without the row (not migrated): never keep
            return load()
        session.info[READ] = version
    if _store.version != version:
        _store.reset(version)
    try:
        return _store.values[key]
    except KeyError:
        value = _store.values[key] = load()
        if value is None:
            del _store.values[key]
        return value


def _changes_reference_data(session) -> bool:
    for obj in chain(session.new, session.deleted):
        if hasattr(type(obj), "__reference_columns__"):
            return True
    for obj in session.dirty:
        columns = getattr(type(obj), "__reference_columns__", None)
        if columns is not None:
            attrs = inspect(obj).attrs
            if any(attrs[name].history.has_changes() for name in columns):
                return True
    return False


@event.listens_for(Session, "after_flush")
def bump_reference_version(session, _flush_context):
    """A flush that changed reference data moves the version (once per transaction)."""
    if session.info.get(CHANGED) or not _changes_reference_data(session):
        return
    session.execute(BUMP, {"new": new_version()})
    session.info[CHANGED] = True
    session.info.pop(READ, None)
    _store.reset()  # this process at once; the others at their next transaction


@event.listens_for(Session, "after_transaction_end")
def forget_reference_version(session, transaction):
    if transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(READ, None)
        session.info.pop(CHANGED, None)
