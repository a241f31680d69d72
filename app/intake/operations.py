"""What the public pages change: pending uploads and the submission that turns them into a case.

Like every operation these flush but never commit; the view commits once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
import re
import secrets
import unicodedata

from flask import current_app
from sqlalchemy import bindparam, case as when, delete, literal, select, update

from app.cards.models import CardKind
from app.cases.errors import CaseActionError
from app.cases.models import AttachmentKind, Case, CaseSource
from app.cases.operations import (access_code_matches, code_matches, submit_case,
                                  validate_content, validate_phone)
from app.cases.queries import category_by_code, get_case_by_tracking_no
from app.core.clock import utcnow
from app.extensions import db
from app.intake.models import AccessCodeMiss, PendingUpload
from app.intake.multipart import Budget, IncomingFile
from app.intake.queries import PublicCard
from app.media.operations import PreparedMedia, attach_to_new_case, pixel_budget, prepare_media
from app.sms.operations import notify_submitter
from app.sms.settings import RECEIPT

SUBMISSION_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
ENTERPRISE_NAME_MAX = 200
CONTACT_NAME_MAX = 64
TRACKING_NO_TYPED_MAX = 32
CODE_TYPED_MAX = 16


def new_submission_key() -> str:
    return secrets.token_urlsafe(24)


def valid_submission_key(key: str | None) -> str | None:
    return key if key and SUBMISSION_KEY_RE.match(key) else None


_pending = PendingUpload.__table__
# Both built once: every form POST asks. First in Core, for one id: a form posted without the
# page's script has no uploads, and an empty ORM query still sets up its entity loading.
ANY_PENDING_UPLOAD = select(_pending.c.id).where(
    _pending.c.card_id == bindparam("card_id"), _pending.c.submission_key == bindparam("key")
).limit(1)
PENDING_UPLOADS = (select(PendingUpload)
                   .where(PendingUpload.card_id == bindparam("card_id"),
                          PendingUpload.submission_key == bindparam("key"))
                   .order_by(PendingUpload.id))


def pending_uploads(card: PublicCard, submission_key: str | None) -> list[PendingUpload]:
    if not submission_key:
        return []
    params = {"card_id": card.id, "key": submission_key}
    if db.session.execute(ANY_PENDING_UPLOAD, params).first() is None:
        return []
    return list(db.session.scalars(PENDING_UPLOADS, params))


def upload_budget(pending: list[PendingUpload], config=None) -> Budget:
    """What may still be uploaded for a submission that already holds `pending`."""
    config = config or current_app.config
    return Budget(
        case_bytes=config["MAX_CASE_BYTES"] - sum(p.byte_size for p in pending),
        photos=config["MAX_PHOTOS"] - sum(p.kind is AttachmentKind.photo for p in pending),
        videos=config["MAX_VIDEOS"] - sum(p.kind is AttachmentKind.video for p in pending),
        config=config, pixels=pixel_budget(config))


def prepare_incoming(incoming: IncomingFile, budget: Budget | None = None) -> PreparedMedia:
    """Check, clean and store one received file's bytes, spending the request's photo pixels
    from `budget`; no row yet.

    Raises MediaRefused (the temporary file is gone either way)."""
    prepared = prepare_media(incoming.path, incoming.filename,
                             pixels=budget.pixels if budget is not None else None)
    incoming.path = None
    return prepared


def keep_uploads(card: PublicCard, submission_key: str, prepared: list[PreparedMedia],
                 now=None) -> list[PendingUpload]:
    """Hold stored files for a submission still being written (the form comes back)."""
    uploads = [PendingUpload(public_id=secrets.token_urlsafe(12), submission_key=submission_key,
                             card_id=card.id, created_at=now or utcnow(), **media.as_row())
               for media in prepared]
    db.session.add_all(uploads)
    db.session.flush()
    return uploads


def accept_upload(card: PublicCard, submission_key: str, incoming: IncomingFile,
                  now=None, budget: Budget | None = None) -> PendingUpload:
    """Check, clean and store one received file for a submission still being written.

    Raises MediaRefused (the temporary file is gone either way)."""
    return keep_uploads(card, submission_key, [prepare_incoming(incoming, budget)], now)[0]


def pending_upload(card: PublicCard, submission_key: str, public_id: str) -> PendingUpload | None:
    """One pending file of this card's submission, or None."""
    return db.session.execute(db.select(PendingUpload).filter_by(
        card_id=card.id, submission_key=submission_key, public_id=public_id)).scalar_one_or_none()


def remove_upload(card: PublicCard, submission_key: str, public_id: str) -> bool:
    """Forget one pending file of this submission; False if there was none. Its file stays
    for the sweeper: another submission may be committing the same content right now."""
    upload = pending_upload(card, submission_key, public_id)
    if upload is None:
        return False
    db.session.delete(upload)
    db.session.flush()
    return True


def submission_errors(form) -> dict[str, str]:
    """Every refusal the form's fields would meet, by field, so the page can name them all at
    once (submit_from_card stops at the first; it stays the rule)."""
    checks = [
        lambda: _check_length(form.get("enterprise_name"), ENTERPRISE_NAME_MAX, "企业名称",
                              "enterprise_name"),
        lambda: category_by_code(form.get("category")) or _refuse_category(),
        lambda: validate_content(form.get("content")),
        lambda: validate_phone(form.get("contact_phone"), form.get("anonymous") == "1"),
        lambda: _check_length(form.get("contact_name"), CONTACT_NAME_MAX, "称呼", "contact_name"),
    ]
    errors = {}
    for check in checks:
        try:
            check()
        except CaseActionError as refused:
            errors.setdefault(refused.field or "form", refused.message)
    return errors


def _check_length(text, limit, label, field):
    if len((text or "").strip()) > limit:
        raise CaseActionError("invalid_input", f"{label}不能超过{limit}字", status=400, field=field)


def _refuse_category():
    raise CaseActionError("invalid_input", "请选择问题类别", status=400, field="category")


def submit_from_card(card: PublicCard, form, submission_key: str, now=None,
                     arrived: list[PreparedMedia] = (),
                     pending: list[PendingUpload] | None = None) -> tuple[Case, bool]:
    """Submit what the H5 form sent through `card`, with its pending uploads (`pending` if the
    caller has just read them) and the files `arrived` with this request (attached directly,
    no pending row between) as attachments.

    A revoked card still takes the submission, as a hall case flagged for the office."""
    revoked = card.is_revoked
    is_hall = card.kind is CardKind.hall or revoked
    enterprise_name = (form.get("enterprise_name") or "").strip()
    _check_length(enterprise_name, ENTERPRISE_NAME_MAX, "企业名称", "enterprise_name")
    contact_name = (form.get("contact_name") or "").strip()
    _check_length(contact_name, CONTACT_NAME_MAX, "称呼", "contact_name")
    category = category_by_code(form.get("category")) or _refuse_category()
    # Looked up before the write lock is taken (SQLite), used only if a case is made.
    uploads = pending_uploads(card, submission_key) if pending is None else pending
    # No savepoint of our own: submit_case refuses before its first write, so after a refusal
    # what the caller wrote before (uploads kept for the next try) is all there is to commit.
    case, created = submit_case(
        source=CaseSource.hall if is_hall else CaseSource.card, category=category,
        content=form.get("content"), enterprise=None if is_hall else card.enterprise,
        card=card, contact_name=contact_name, contact_phone=form.get("contact_phone"),
        is_anonymous=form.get("anonymous") == "1",
        enterprise_name_given=enterprise_name if is_hall else None,
        submission_key=submission_key, via_revoked_card=revoked, now=now)
    if created:
        attach_to_new_case(case, [PreparedMedia.of_upload(upload) for upload in uploads]
                           + list(arrived))
        for upload in uploads:
            db.session.delete(upload)
        db.session.flush()
        notify_submitter(case, RECEIPT, now=now)  # 受理编号 and 查询码 by text (if SMS is on)
    return case, created


def delete_stale_uploads(now=None, max_age: timedelta | None = None, limit: int = 1000) -> int:
    """Forget pending uploads whose form was never submitted; their files, unreferenced then,
    go with the sweeper (sweep_unreferenced_files).

    Selected through the created_at index, so a tick with nothing stale costs one probe."""
    if max_age is None:
        max_age = timedelta(hours=current_app.config.get("PENDING_UPLOAD_MAX_AGE_HOURS", 24))
    cutoff = (now or utcnow()) - max_age
    query = (db.select(PendingUpload).where(PendingUpload.created_at < cutoff)
             .order_by(PendingUpload.created_at).limit(limit))
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)  # a second scheduler takes other rows
    stale = list(db.session.execute(query).scalars())
    for upload in stale:
        db.session.delete(upload)
    db.session.flush()
    return len(stale)


@dataclass
class AccessAttempt:
    """What one try of a case's access code came to; `left` is the tries before the lock."""
    opened: bool
    locked: bool
    failures: int
    left: int


def normalize_tracking_no(typed: str | None) -> str:
    """A 受理编号 as people type it: full-width characters, spaces and lower case forgiven."""
    text = unicodedata.normalize("NFKC", typed or "")
    return "".join(text.split()).upper()[:TRACKING_NO_TYPED_MAX]


def normalize_code(typed: str | None) -> str:
    """A 查询码 as people type it (full-width digits, spaces); "" when nothing was typed."""
    return "".join(unicodedata.normalize("NFKC", typed or "").split())[:CODE_TYPED_MAX]


def try_access_code(tracking_no: str, code: str | None, now=None,
                    config=None) -> tuple[Case | None, AccessAttempt]:
    """Try `code` on the case numbered `tracking_no`; the case is None when there is none.

    A number no case has does the same work as a real one — the lookup, the reset of an
    expired lock, one counting write that returns the count, a constant-time comparison of
    the code, a read-back, and the caller's commit — and locks the same way, in the database
    whatever cookies the visitor keeps: neither the time of the answer nor the lock tells
    whether the case exists."""
    case = get_case_by_tracking_no(tracking_no)
    if case is None:
        return None, record_unknown_number_attempt(tracking_no, code, now, config)
    return case, record_access_attempt(case, code, now, config)


def _lock_terms(now, config):
    config = config or current_app.config
    return (config["ACCESS_CODE_MAX_FAILURES"],
            now + timedelta(minutes=config["ACCESS_CODE_LOCK_MINUTES"]))


def record_access_attempt(case: Case, code: str | None, now=None, config=None) -> AccessAttempt:
    """Try `code` on `case`: a try is counted before the code is compared, atomically in the
    database, and the try that reaches ACCESS_CODE_MAX_FAILURES locks the case in the same
    UPDATE, so parallel guesses can never get more tries than the limit."""
    now = now or utcnow()
    limit, until = _lock_terms(now, config)
    # An expired lock gives a fresh set of tries (only one request can clear it).
    db.session.execute(update(Case).where(Case.id == case.id, Case.access_locked_until <= now)
                       .values(access_failures=0, access_locked_until=None)
                       .execution_options(synchronize_session=False))
    taken = db.session.execute(
        update(Case).where(Case.id == case.id, Case.access_locked_until.is_(None))
        .values(access_failures=Case.access_failures + 1,
                access_locked_until=when((Case.access_failures + 1 >= limit, until),
                                         else_=None))
        .returning(Case.access_failures)
        .execution_options(synchronize_session=False)).scalar_one_or_none()
    matches = access_code_matches(case, code)
    if taken is not None and matches:
        db.session.execute(update(Case).where(Case.id == case.id)
                           .values(access_failures=0, access_locked_until=None)
                           .execution_options(synchronize_session=False))
    db.session.refresh(case)
    if taken is None:  # locked: the right code opens nothing either
        return AccessAttempt(False, True, case.access_failures, 0)
    if matches:
        return AccessAttempt(True, False, 0, limit)
    return AccessAttempt(False, False, taken, max(0, limit - taken))


_misses = AccessCodeMiss.__table__
MISS_KEY_MAX = _misses.c.tracking_no.type.length
DECOY_CODE = "000000"  # what a number without a case is compared with (it never opens)


def record_unknown_number_attempt(tracking_no: str, code: str | None, now=None,
                                  config=None) -> AccessAttempt:
    """A try on a number no case has, counted and locked as record_access_attempt does for a
    case (in access_code_misses), with the same statements' work; it never opens."""
    now = now or utcnow()
    limit, until = _lock_terms(now, config)
    key = tracking_no[:MISS_KEY_MAX]
    db.session.execute(update(_misses)
                       .where(_misses.c.tracking_no == key, _misses.c.locked_until <= now)
                       .values(failures=0, locked_until=None))
    upsert = dialect_insert(db.session.get_bind().dialect.name)(_misses).values(
        tracking_no=key, failures=1, locked_until=until if limit <= 1 else None,
        last_try_at=now)
    taken = db.session.execute(upsert.on_conflict_do_update(
        index_elements=[_misses.c.tracking_no],
        set_={"failures": _misses.c.failures + 1,
              "locked_until": when((_misses.c.failures + 1 >= limit,
                                    literal(until, _misses.c.locked_until.type)), else_=None),
              "last_try_at": literal(now, _misses.c.last_try_at.type)},
        where=_misses.c.locked_until.is_(None)).returning(_misses.c.failures)
    ).scalar_one_or_none()
    code_matches(DECOY_CODE, code)  # the comparison a real case makes; its answer is moot
    failures = db.session.execute(select(_misses.c.failures)
                                  .where(_misses.c.tracking_no == key)).scalar_one()
    if taken is None:
        return AccessAttempt(False, True, failures, 0)
    return AccessAttempt(False, False, taken, max(0, limit - taken))


def dialect_insert(dialect_name: str):
    """INSERT with ON CONFLICT for the database in use (both take the same arguments)."""
    if dialect_name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert
        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert
    return sqlite_insert


def forget_old_code_misses(now=None, max_age: timedelta = timedelta(days=1)) -> int:
    """Drop counts of made-up numbers nobody has tried for `max_age` (past any lock)."""
    cutoff = (now or utcnow()) - max_age
    return db.session.execute(delete(_misses).where(_misses.c.last_try_at < cutoff)).rowcount
