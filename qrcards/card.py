"""What goes on a card."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class CardData:
    """The printed content of one card; an enterprise card or a hall card.

    An enterprise card names the enterprise and its package leader and
    responsible department. A hall (poster) card has no enterprise: give a
    title such as "政务服务大厅" instead.
    """

    url: str  # BASE_URL/q/<token>, the QR code content
    serial: str  # short card serial, printed small
    enterprise_name: str | None = None
    title: str | None = None
    package_leader: str | None = None
    package_leader_phone: str | None = None
    department_name: str | None = None
    department_phone: str | None = None
    county: str | None = None
    brand: str = "馆满意"
    slogan: str = "您码上说，我马上办"
    hotline: str = "12345"

    def __post_init__(self) -> None:
        if not self.url:
            raise ValueError("a card needs a URL")
        if not self.serial:
            raise ValueError("a card needs a serial")
        if not (self.enterprise_name or self.title):
            raise ValueError("a card needs an enterprise name or a title")

    @property
    def heading(self) -> str:
        """Return the name printed at the top: the enterprise, or the hall title."""
        return self.enterprise_name or self.title or ""
