"""Finding enterprises."""
from functools import lru_cache
import re
import unicodedata

from sqlalchemy import or_

from app.enterprises.credit_code import normalize_credit_code
from app.enterprises.models import Enterprise
from app.extensions import db


def enterprise_by_credit_code(code: str | None) -> Enterprise | None:
    """The enterprise with this unified social credit code, however it was typed."""
    code = normalize_credit_code(code or "")
    if not code:
        return None
    return db.session.execute(
        db.select(Enterprise).filter_by(credit_code=code)).scalar_one_or_none()


# --- finding an enterprise as staff type it: short name, pinyin initials, credit code ----------

SEARCH_MAX = 50  # characters of a search; longer text is no enterprise's name


@lru_cache(maxsize=32768)
def name_initials(name: str) -> str:
    """Pinyin initials of a name, lower case: 清泉饮品有限公司 → qqypyxgs (letters and digits
    in the name are kept as they are)."""
    # Imported here: pypinyin's phrase dictionary takes about half a second to load, which
    # every process (each gunicorn worker, each CLI command) would pay at startup.
    from pypinyin import Style, lazy_pinyin
    return "".join(lazy_pinyin(name, style=Style.FIRST_LETTER)).lower().replace(" ", "")


def search_enterprises(text: str | None, limit: int = 10) -> list[Enterprise]:
    """Enterprises matching what was typed, best first: the exact name, names starting with or
    containing the text (a short name: 清泉饮品), pinyin initials (qqyp), a credit code or its
    start."""
    q = unicodedata.normalize("NFKC", text or "").strip()
    if not q or len(q) > SEARCH_MAX:
        return []
    code = normalize_credit_code(q)
    conditions = [Enterprise.name.contains(q, autoescape=True)]
    if re.fullmatch(r"[0-9A-Z]{4,18}", code):
        conditions.append(Enterprise.credit_code.contains(code, autoescape=True))
    found = {e.id: e for e in db.session.execute(
        db.select(Enterprise).where(or_(*conditions)).order_by(Enterprise.name).limit(200)).scalars()}
    letters = q.lower()
    if re.fullmatch(r"[a-z0-9]{2,}", letters):
        ids = [row.id for row in db.session.execute(db.select(Enterprise.id, Enterprise.name))
               if letters in name_initials(row.name)][:200]
        missing = [i for i in ids if i not in found]
        if missing:
            found.update((e.id, e) for e in db.session.execute(
                db.select(Enterprise).where(Enterprise.id.in_(missing))).scalars())

    def rank(e: Enterprise):
        initials = name_initials(e.name)
        order = (0 if e.name == q or e.credit_code == code else
                 1 if e.name.startswith(q) else
                 2 if q in e.name else
                 3 if initials.startswith(letters) else
                 4 if letters in initials else 5)
        return order, len(e.name), e.name
    return sorted(found.values(), key=rank)[:limit]
