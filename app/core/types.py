"""Column types shared by every domain."""
from datetime import timezone
import enum

from sqlalchemy import DateTime, Enum, types

ID_MAX = 2 ** 31 - 1  # an INTEGER column; a larger number is an error on PostgreSQL


def is_id(value) -> bool:
    """Whether `value` (an int, or the text of a query or form parameter) can be a row id:
    check it before it reaches SQL, so a number out of range is a 400/404, never a 500."""
    text = str(value)
    return text.isdecimal() and 0 < int(text) <= ID_MAX


class UTCDateTime(types.TypeDecorator):
    """Store naive UTC, hand back aware UTC: SQLite drops offsets, PostgreSQL keeps them."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


def enum_column_type(enum_cls: type[enum.Enum]) -> Enum:
    """Store a Python enum by name in a VARCHAR, so adding a member needs no type migration."""
    return Enum(enum_cls, native_enum=False, length=24, create_constraint=False,
                validate_strings=True)
