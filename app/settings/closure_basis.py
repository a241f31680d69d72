"""Which cases 办结率 is over: all received (受理量) or those due (应办结). An office setting.

The county office's own figure (DESIGN §5) is over every case received; a published local
12345 bulletin is over the cases due for closure. Both are in use, so the office picks one;
every place that prints 办结率 prints the choice under it (`CLOSURE_BASES[basis]`)."""
from app.settings.operations import setting_value, store_setting

KEY = "figures.closure_basis"
DEFAULT = "received"
# basis → the words printed under 办结率
CLOSURE_BASES = {
    "received": "分母：受理量（期间内全部有效受理件）",
    "due": "分母：应办结件（已办结，或办理时限已到的在办件）",
}


class ClosureBasisError(ValueError):
    """A refused change, with a Chinese message."""


def closure_basis() -> str:
    value = setting_value(KEY)
    return value if value in CLOSURE_BASES else DEFAULT


def save_closure_basis(value: str) -> str:
    """Store the basis (validated); flush, never commit."""
    value = (value or "").strip()
    if value not in CLOSURE_BASES:
        raise ClosureBasisError(f"办结率分母口径应为 {' 或 '.join(CLOSURE_BASES)}")
    store_setting(KEY, value)
    return value
