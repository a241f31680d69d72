"""Turning received bytes into stored, checked media and Attachment rows.

`prepare_media` does the work that needs no case (sniff, re-encode, poster, store) so the
intake page can process each file as it arrives; `attach_media` / `store_attachment` tie the
result to a case or a reply. Both flush, never commit: the caller commits once.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import timedelta
from itertools import islice
import os
from pathlib import Path
import re
import secrets
import shutil
import tempfile

from flask import current_app
from sqlalchemy import insert, select, union

from app.cases.errors import CaseActionError
from app.cases.models import Attachment, AttachmentKind
from app.core.clock import utcnow
from app.extensions import db
from app.intake.models import PendingUpload
from app.media import images, video
from app.meetings.models import MeetingAttachment
from app.media.sniff import SNIFF_BYTES, MediaRefused, display_name, sniff_or_refuse
from app.media.storage import (content_key, get_storage, sha256_of, sweep_stale_temp_files,
                               temp_dir)


ORIGINAL_NAME_MAX = Attachment.__table__.c.original_name.type.length
FILENAME_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def original_name(filename: str | None) -> str | None:
    """The name the file was sent with, fit for its column: no control characters, cut to
    255 characters with the extension kept (a phone may send any name; it is only a label)."""
    name = FILENAME_CONTROL_RE.sub("", filename or "").strip()
    if len(name) > ORIGINAL_NAME_MAX:
        stem, dot, ext = name.rpartition(".")
        ext = dot + ext if stem and len(ext) <= 16 else ""
        name = name[:ORIGINAL_NAME_MAX - len(ext)] + ext
    return name or None


@dataclass
class PreparedMedia:
    kind: AttachmentKind
    stored_name: str
    poster_name: str | None
    original_name: str | None
    sha256: str
    byte_size: int
    content_type: str
    width: int | None
    height: int | None

    def as_row(self) -> dict:
        return asdict(self)

    @classmethod
    def of_upload(cls, upload) -> "PreparedMedia":
        """The checked, stored file a pending upload holds (the inverse of `as_row`)."""
        return cls(*(getattr(upload, f.name) for f in fields(cls)))


def size_limit(kind: AttachmentKind, config=None) -> int:
    config = config or current_app.config
    return config["MAX_PHOTO_BYTES"] if kind is AttachmentKind.photo else config["MAX_VIDEO_BYTES"]


def too_large_message(kind: AttachmentKind, filename: str | None, config=None) -> str:
    limit_mb = size_limit(kind, config) // (1024 * 1024)
    what = "照片" if kind is AttachmentKind.photo else "视频"
    return f"“{display_name(filename)}”超过{what}大小上限{limit_mb}MB，请压缩或剪短后再传"


def pixel_budget(config=None) -> images.PixelBudget:
    """The photo pixels one request may decode (MAX_REQUEST_PIXELS)."""
    config = config or current_app.config
    return images.PixelBudget(config.get("MAX_REQUEST_PIXELS", images.DEFAULT_REQUEST_PIXELS))


def prepare_media(path: str | os.PathLike, filename: str | None = None,
                  expect: AttachmentKind | None = None,
                  pixels: images.PixelBudget | None = None) -> PreparedMedia:
    """Sniff, check, clean and store the file at `path` (which this call consumes); a photo
    spends the request's `pixels` (a budget of its own when it is the request's only file)."""
    path = Path(path)
    filename = original_name(filename)
    config = current_app.config
    storage = get_storage()
    try:
        with open(path, "rb") as fh:
            found = sniff_or_refuse(fh.read(SNIFF_BYTES), filename)
        if expect is not None and found.kind is not expect:
            what = "照片" if expect is AttachmentKind.photo else "视频"
            raise MediaRefused("wrong_kind", f"“{display_name(filename)}”不是{what}，这里只能上传{what}",
                               filename)
        if path.stat().st_size > size_limit(found.kind):
            raise MediaRefused("file_too_large", too_large_message(found.kind, filename), filename)
        if found.kind is AttachmentKind.photo:
            jpeg, width, height = images.reencode_photo(
                path, filename, max_pixels=config.get("MAX_IMAGE_PIXELS", images.DEFAULT_MAX_PIXELS),
                budget=pixels or pixel_budget(config))
            digest, size = sha256_of(jpeg)
            key = content_key(digest, "jpg")
            storage.save(jpeg, key)
            return PreparedMedia(AttachmentKind.photo, key, None, filename, digest, size,
                                 "image/jpeg", width, height)
        poster, poster_ext = video.poster_for(path)
        poster_digest, _ = sha256_of(poster)
        poster_key = content_key(poster_digest, poster_ext)
        storage.save(poster, poster_key)
        digest, size = sha256_of(path)
        key = content_key(digest, found.format)
        storage.save(path, key)  # moves our temporary file in
        return PreparedMedia(AttachmentKind.video, key, poster_key, filename, digest, size,
                             found.content_type, None, None)
    finally:
        if path.exists():
            path.unlink()


def spool_to_temp(source) -> Path:
    """Copy bytes, a stream or a Werkzeug FileStorage into a temporary file we own."""
    fd, name = tempfile.mkstemp(dir=temp_dir(), prefix="in-")
    with os.fdopen(fd, "wb") as out:
        if isinstance(source, (bytes, bytearray)):
            out.write(source)
        else:
            stream = getattr(source, "stream", source)
            shutil.copyfileobj(stream, out, 1024 * 1024)
    return Path(name)


INSERT_ATTACHMENTS = insert(Attachment.__table__)  # built once, Core: every photo submission runs it


def attach_to_new_case(case, prepared: list[PreparedMedia]) -> None:
    """Attach files to a case made in this transaction, in one INSERT: its attachment list
    has not been loaded, so there is no collection to keep in step (attach_media flushes the
    unit of work once per file)."""
    if prepared:
        db.session.execute(INSERT_ATTACHMENTS,
                           [dict(case_id=case.id, **media.as_row()) for media in prepared])


def attach_media(case, prepared: PreparedMedia, reply=None) -> Attachment:
    attachment = Attachment(case=case, reply=reply, **prepared.as_row())
    db.session.add(attachment)
    db.session.flush()
    return attachment


def store_attachment(case, source, kind: AttachmentKind | None = None, *, reply=None,
                     filename=None, pixels: images.PixelBudget | None = None) -> Attachment:
    """Check and store one file (FileStorage, stream, bytes or path) as an attachment of `case`
    (or of `reply`); `kind` restricts what is accepted. Raises MediaRefused."""
    if filename is None:
        filename = getattr(source, "filename", None)
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as fh:  # prepare_media consumes its file: work on a copy
            path = spool_to_temp(fh)
    else:
        path = spool_to_temp(source)
    prepared = prepare_media(path, filename, expect=kind, pixels=pixels)
    return attach_media(case, prepared, reply=reply)


# --- a staff form's files, uploaded one by one before the form is sent (static/js/uploads.js)

STAFF_UPLOAD_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_upload_key() -> str:
    return secrets.token_urlsafe(24)


def valid_upload_key(key: str | None) -> str | None:
    return key if key and STAFF_UPLOAD_KEY_RE.match(key) else None


def staged_uploads(user, key: str | None, public_ids=None) -> list[PendingUpload]:
    """The files `user` uploaded for the form holding `key` (those of `public_ids` if given)."""
    if not valid_upload_key(key):
        return []
    query = select(PendingUpload).where(PendingUpload.user_id == user.id,
                                        PendingUpload.submission_key == key)
    if public_ids is not None:
        query = query.where(PendingUpload.public_id.in_(list(public_ids)))
    return list(db.session.scalars(query.order_by(PendingUpload.id)))


def stage_upload(user, key: str, source, kind: AttachmentKind | None = None) -> PendingUpload:
    """Check and store one file a staff user chose, held for the form holding `key` until it is
    sent (store_case_media takes it then; delete_stale_uploads forgets it after a day).

    Raises MediaRefused, with the form's counts (MAX_PHOTOS, MAX_VIDEOS) checked too."""
    config = current_app.config
    held = staged_uploads(user, key)
    prepared = prepare_media(spool_to_temp(source), getattr(source, "filename", None),
                             expect=kind, pixels=pixel_budget(config))
    photos = sum(p.kind is AttachmentKind.photo for p in held)
    if prepared.kind is AttachmentKind.photo and photos >= config["MAX_PHOTOS"]:
        raise MediaRefused("too_many_photos", f"最多上传{config['MAX_PHOTOS']}张照片",
                           prepared.original_name)
    if prepared.kind is AttachmentKind.video and len(held) - photos >= config["MAX_VIDEOS"]:
        raise MediaRefused("too_many_videos", f"最多上传{config['MAX_VIDEOS']}段视频",
                           prepared.original_name)
    upload = PendingUpload(public_id=secrets.token_urlsafe(12), submission_key=key,
                           user_id=user.id, created_at=utcnow(), **prepared.as_row())
    db.session.add(upload)
    db.session.flush()
    return upload


def remove_staged_upload(user, key: str | None, public_id: str) -> bool:
    """Forget one file of the form holding `key`; False if `user` has none such. The file stays
    for the sweeper (another row may hold the same content)."""
    found = staged_uploads(user, key, [public_id])
    for upload in found:
        db.session.delete(upload)
    db.session.flush()
    return bool(found)


def _take_staged(case, staged: list[PendingUpload], reply, kind) -> list[Attachment]:
    taken = []
    for upload in staged:
        if kind is not None and upload.kind is not kind:
            what = "照片" if kind is AttachmentKind.photo else "视频"
            raise MediaRefused("wrong_kind", f"“{display_name(upload.original_name)}”不是{what}，"
                               f"这里只能上传{what}", upload.original_name)
        taken.append(attach_media(case, PreparedMedia.of_upload(upload), reply=reply))
        db.session.delete(upload)
    return taken


def store_case_media(case, files, *, reply=None, kind: AttachmentKind | None = None,
                     field: str = "attachments", staged=()) -> list[Attachment]:
    """Store files staff chose for `case` (or its `reply`) with the H5 form's checks and counts:
    `files` sent with the form (no JS) and `staged`, the pending uploads the page's script
    sent ahead (staged_uploads), which become attachments.

    All or nothing: a refused file, or too many, raises CaseActionError for `field`, after the
    rows of this call are undone (a savepoint). The files it wrote stay until the sweeper finds
    them unreferenced (another request may be committing a row for the same content)."""
    files = [f for f in (files or []) if f and getattr(f, "filename", None)]
    staged = list(staged or ())
    if not files and not staged:
        return []
    config = current_app.config
    max_photos, max_videos = config["MAX_PHOTOS"], config["MAX_VIDEOS"]
    if kind is AttachmentKind.photo and len(files) + len(staged) > max_photos:
        raise CaseActionError("too_many_photos", f"最多上传{max_photos}张照片", status=400,
                              field=field)
    stored = []
    pixels = pixel_budget(config)
    try:
        with db.session.begin_nested():
            stored.extend(_take_staged(case, staged, reply, kind))
            for file in files:
                stored.append(store_attachment(case, file, kind, reply=reply, pixels=pixels))
            photos = sum(a.kind is AttachmentKind.photo for a in stored)
            if photos > max_photos or len(stored) - photos > max_videos:
                raise CaseActionError("too_many_files", f"最多{max_photos}张照片、{max_videos}段视频",
                                      status=400, field=field)
    except MediaRefused as refused:
        raise CaseActionError(refused.code, refused.message, status=400, field=field) from refused
    return stored


def sweep_unreferenced_files(now=None, grace: timedelta | None = None) -> int:
    """Delete stored files that no attachment or pending upload refers to and that no save
    has stamped for `grace` (MEDIA_ORPHAN_GRACE_HOURS); return how many went.

    The only place a stored file is deleted. A request that is about to commit a row for a
    file has saved (stamped) it within the request, or holds it through a committed pending
    upload, so the grace period, far longer than any request, keeps it."""
    if grace is None:
        grace = timedelta(hours=current_app.config.get("MEDIA_ORPHAN_GRACE_HOURS", 24))
    cutoff = (now or utcnow()) - grace
    storage = get_storage()
    deleted = 0
    candidates = iter(storage.keys_unstamped_since(cutoff))
    while batch := list(islice(candidates, 500)):
        used = referenced_keys(batch)
        deleted += sum(storage.delete_if_unstamped_since(key, cutoff)
                       for key in batch if key not in used)
    return deleted


def referenced_keys(keys) -> set[str]:
    """Those of `keys` a row refers to, read in one statement (one snapshot: a submission that
    turns a pending upload into an attachment is seen before or after, never in between)."""
    from app.field.models import VisitPhoto  # a visit's photos (app/field) hold files too
    from app.assessments.models import AssessmentPhoto  # and an assessment's (app/assessments)
    keys = list(keys)
    columns = [(Attachment.stored_name, Attachment.stored_name.in_(keys)),
               (Attachment.poster_name, Attachment.poster_name.in_(keys)),
               (PendingUpload.stored_name, PendingUpload.stored_name.in_(keys)),
               (PendingUpload.poster_name, PendingUpload.poster_name.in_(keys)),
               (MeetingAttachment.stored_name, MeetingAttachment.stored_name.in_(keys)),
               (MeetingAttachment.poster_name, MeetingAttachment.poster_name.in_(keys)),
               (VisitPhoto.stored_name, VisitPhoto.stored_name.in_(keys)),
               (VisitPhoto.poster_name, VisitPhoto.poster_name.in_(keys)),
               (AssessmentPhoto.stored_name, AssessmentPhoto.stored_name.in_(keys)),
               (AssessmentPhoto.poster_name, AssessmentPhoto.poster_name.in_(keys))]
    query = union(*(select(column).where(where) for column, where in columns))
    return set(db.session.execute(query).scalars())


@dataclass
class SweepResult:
    store_files: int
    temp_files: int


def sweep_media(now=None) -> SweepResult:
    """The media sweep (scheduler and `flask media sweep`): stored files no row refers to and
    temporary files requests left behind, both after MEDIA_ORPHAN_GRACE_HOURS."""
    now = now or utcnow()
    grace = timedelta(hours=current_app.config.get("MEDIA_ORPHAN_GRACE_HOURS", 24))
    store_files = sweep_unreferenced_files(now, grace)
    temp_files = sweep_stale_temp_files(Path(current_app.config["MEDIA_ROOT"]), now - grace)
    return SweepResult(store_files, temp_files)
