"""Issuing and revoking cards. Tokens carry 128 random bits: unguessable, not enumerable."""
import logging
import os
import secrets

from flask import current_app

from app.cards.models import Card, CardBatch, CardKind, CardPrintJob, PrintJobState
from app.cases.models import AuditEvent
from app.core.clock import utcnow
from app.extensions import db
from app.settings.public_url import public_base_url

SERIAL_ALPHABET = "34679ACDEFGHJKMNPQRTWXY"


def new_card_token() -> str:
    return secrets.token_urlsafe(16)  # 16 bytes = 128 bits, 22 URL-safe characters


def new_serial() -> str:
    return "".join(secrets.choice(SERIAL_ALPHABET) for _ in range(8))


def issue_card(enterprise=None, *, title=None, batch=None, now=None) -> Card:
    """A new card for an enterprise, or a hall/poster card when `enterprise` is None."""
    card = Card(token=new_card_token(), serial=new_serial(),
                kind=CardKind.enterprise if enterprise is not None else CardKind.hall,
                enterprise=enterprise, title=title, batch=batch, issued_at=now or utcnow())
    db.session.add(card)
    db.session.flush()
    return card


def current_card(enterprise) -> Card | None:
    return db.session.execute(
        db.select(Card).filter_by(enterprise_id=enterprise.id, revoked_at=None)
        .order_by(Card.id.desc())).scalars().first()


def card_by_token(token: str) -> Card | None:
    return db.session.execute(db.select(Card).filter_by(token=token)).scalar_one_or_none()


def card_url(base_url: str, card: Card) -> str:
    return f"{base_url.rstrip('/')}/q/{card.token}"


REVOKE_REASON_MAX = Card.__table__.c.revoke_reason.type.length


class CardError(ValueError):
    """A refused card action, with a Chinese message."""


def ensure_current_card(enterprise, now=None) -> Card:
    """The enterprise's valid card, issuing its first one when it has none."""
    return current_card(enterprise) or issue_card(enterprise, now=now)


def revoke_card(enterprise, *, reason: str = "遗失补办", actor=None, now=None) -> tuple[Card, Card]:
    """Revoke the enterprise's current card and issue its replacement; return (old, new).

    The old URL keeps answering (with a notice) so a card on someone's wall still works."""
    now = now or utcnow()
    reason = (reason or "").strip() or "遗失补办"
    if len(reason) > REVOKE_REASON_MAX:
        raise CardError(f"作废原因不能超过{REVOKE_REASON_MAX}字，当前{len(reason)}字")
    old = current_card(enterprise)
    if old is None:
        raise CardError(f"{enterprise.name}没有有效的企业码")
    new = issue_card(enterprise, now=now)
    old.revoked_at = now
    old.revoke_reason = reason
    old.replaced_by = new
    db.session.add(AuditEvent(actor=actor, actor_label=actor.display_name if actor else "系统",
                              action="revoke_card", note=old.revoke_reason, created_at=now,
                              data={"enterprise": enterprise.credit_code, "old": old.serial,
                                    "new": new.serial}))
    db.session.flush()
    return old, new


def card_history(enterprise) -> list[Card]:
    return list(db.session.execute(
        db.select(Card).filter_by(enterprise_id=enterprise.id).order_by(Card.id)).scalars())


def record_batch(cards, *, layout: str, actor=None, note=None, now=None) -> CardBatch:
    """Remember a print run: who printed how many cards, when, in which layout, and the public
    base URL their codes point to (read in the same transaction the cards were rendered in)."""
    batch = CardBatch(created_by=actor, created_at=now or utcnow(), layout=layout,
                      card_count=len(cards), note=note, base_url=public_base_url())
    db.session.add(batch)
    for card in cards:
        if card.batch_id is None:
            card.batch = batch
    db.session.flush()
    return batch


# --- large batches, built in the background ----------------------------------------------------

log = logging.getLogger(__name__)
OUTPUT_NOTES = {"pdf": "PDF", "zip": "PNG图片包"}


def start_print_job(enterprises, *, layout: str, output: str, actor=None, now=None) -> CardPrintJob:
    """Queue a batch of the given enterprises' cards; `app/cards/tasks.py` builds it."""
    now = now or utcnow()
    job = CardPrintJob(created_by=actor, created_at=now, updated_at=now, layout=layout,
                       output=output, enterprise_ids=[e.id for e in enterprises],
                       total=len(enterprises), done=0, state=PrintJobState.queued)
    db.session.add(job)
    db.session.flush()
    return job


def retry_print_job(job: CardPrintJob, *, actor=None, now=None) -> CardPrintJob:
    """The same selection again, as a new job (the old row stays, as the record of the try)."""
    from app.enterprises.models import Enterprise
    enterprises = list(db.session.execute(
        db.select(Enterprise).where(Enterprise.id.in_(job.enterprise_ids))).scalars())
    return start_print_job(enterprises, layout=job.layout, output=job.output, actor=actor, now=now)


def job_file_path(job: CardPrintJob):
    from app.media.storage import temp_dir
    return temp_dir() / job.file_name if job.file_name else None


def _heartbeat(job, done, now=None):
    job.done, job.updated_at = done, now or utcnow()
    db.session.commit()


def run_print_job(job_id: int) -> CardPrintJob:
    """Build a queued job: issue the cards that are missing, render them (the row's `done`
    follows, about every 1 % of the cards), write the file to MEDIA_ROOT/tmp (swept after
    MEDIA_ORPHAN_GRACE_HOURS), then record the batch and mark the job done in one commit.
    Any error marks the job failed, with a Chinese message the page shows."""
    from app.cards.printing import render_batch
    from app.enterprises.models import Enterprise
    from app.media.storage import temp_dir

    job = db.session.get(CardPrintJob, job_id)
    if job is None or job.state is not PrintJobState.queued:
        return job  # another builder took it, or it was built
    job.state = PrintJobState.running
    _heartbeat(job, 0)
    try:
        enterprises = list(db.session.execute(
            db.select(Enterprise).where(Enterprise.id.in_(job.enterprise_ids))
            .order_by(Enterprise.name)).scalars())
        cards = [ensure_current_card(e) for e in enterprises]
        db.session.commit()
        step = max(1, len(cards) // 100)

        def progress(done, total):
            if done % step == 0 or done == total:
                _heartbeat(job, done)

        # One process: forking from a thread of a multi-threaded web worker is unsafe.
        body, _mimetype, ext = render_batch(cards, job.layout, job.output, progress=progress,
                                            workers=1)
        name = f"cards-job-{job.id}-{secrets.token_hex(8)}.{ext}"
        part = temp_dir() / f".part-{name}"
        part.write_bytes(body)
        os.replace(part, temp_dir() / name)
        cards = [db.session.get(Card, c.id) for c in cards]
        job.batch = record_batch(cards, layout=job.layout, actor=job.created_by,
                                 note=f"网页下载 {OUTPUT_NOTES.get(job.output, job.output)}（后台生成）")
        job.file_name, job.state, job.done = name, PrintJobState.done, len(cards)
        job.updated_at = utcnow()
        db.session.commit()
    except Exception:
        log.exception("card print job %s failed", job_id)
        db.session.rollback()
        job = db.session.get(CardPrintJob, job_id)
        if job is None:
            return None
        job.state, job.error, job.updated_at = PrintJobState.failed, "生成失败，请重新生成", utcnow()
        db.session.commit()
    return job


def job_status(job: CardPrintJob, now=None) -> dict:
    """What the job page shows and its poll reads: state, label, counts, whether a file waits.
    A queued or running job whose builder stopped beating is reported failed."""
    now = now or utcnow()
    stall = current_app.config.get("CARD_JOB_STALL_SECONDS", 300)
    state, error = job.state, job.error
    if state in (PrintJobState.queued, PrintJobState.running) and \
            (now - job.updated_at).total_seconds() > stall:
        state, error = PrintJobState.failed, "生成中断（服务重启等原因），请重新生成"
    ready = state is PrintJobState.done and job_file_path(job).is_file()
    if state is PrintJobState.done and not ready:
        error = "文件已过期清理，请重新生成"
    return {"id": job.id, "state": state.name, "label": state.value, "done": job.done,
            "total": job.total, "ready": ready, "error": error}
