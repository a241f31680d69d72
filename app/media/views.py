"""Media for staff: served only through this authorised route, never from static/."""
import logging

from flask import Blueprint, abort, current_app, jsonify, render_template, request, send_file
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wsgi import wrap_file

from app.cases.models import Attachment
from app.cases.queries import get_visible_case
from app.extensions import db
from app.media.operations import (remove_staged_upload, stage_upload, staged_uploads,
                                  valid_upload_key)
from app.media.sniff import MediaRefused
from app.media.storage import get_storage

bp = Blueprint("media", __name__)
log = logging.getLogger(__name__)
MISSING_MESSAGE = "附件文件已丢失，暂时无法查看（已记录，请联系系统管理员）"


@bp.get("/media/<int:attachment_id>")
@login_required
def attachment(attachment_id):
    """An attachment of a case the user may see; any other is a 404, like the case itself."""
    item = db.session.get(Attachment, attachment_id)
    if item is None or get_visible_case(current_user, item.case.tracking_no) is None:
        abort(404)
    return send_attachment(item, poster=request.args.get("poster") == "1")


def send_attachment(attachment, poster=False):
    """Send an attachment's bytes (or its video poster), privately cached, with ranges.

    From either storage the bytes pass through this route (S3: streamed, ranged GETs; no
    presigned redirect, see docs/deploy-media.md), so only someone who may see the case
    ever gets them."""
    key = attachment.poster_name if poster else attachment.stored_name
    if not key:
        abort(404)
    if poster:
        mimetype = "image/png" if key.endswith(".png") else "image/jpeg"
    else:
        mimetype = attachment.content_type
    storage = get_storage()
    try:
        if hasattr(storage, "path"):  # local disk: Werkzeug sends the file itself
            source = storage.path(key)
            if not source.exists():
                raise FileNotFoundError(key)
            response = send_file(source, mimetype=mimetype, conditional=True, max_age=3600,
                                 etag=key)
        else:
            response = stream_response(storage.open(key), mimetype, etag=key)
    except FileNotFoundError:  # a row whose bytes are gone: say so, log it, never a 500
        log.error("media: %s %s of case %s points at missing file %s",
                  type(attachment).__name__, attachment.id, getattr(attachment, "case_id", None),
                  key)
        return render_template("core/error.html", status=404, message=MISSING_MESSAGE), 404
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


def stream_response(reader, mimetype, etag):
    """A response streaming `reader` (a seekable stream with `size` and `last_modified`, as
    S3Reader), answering conditional and Range requests: a range seeks the reader, which then
    fetches only those bytes."""
    response = current_app.response_class(wrap_file(request.environ, reader, 256 * 1024),
                                          mimetype=mimetype, direct_passthrough=True)
    response.content_length = reader.size
    response.last_modified = reader.last_modified
    response.set_etag(etag)
    return response.make_conditional(request.environ, accept_ranges=True,
                                     complete_length=reader.size)


# --- a staff form's files one by one (static/js/uploads.js); the calling view checks the role
# and the case, Flask-WTF the X-CSRFToken header.

def staged_upload_response(kind=None):
    """Store the one file of this request for the current user's form (?key=): 201 with what
    the widget shows, or 400/413 with the Chinese reason."""
    key = valid_upload_key(request.args.get("key"))
    if key is None:
        return jsonify(error="bad_request", message="请求有误，请刷新页面后重试"), 400
    config = current_app.config
    request.max_content_length = max(config["MAX_PHOTO_BYTES"], config["MAX_VIDEO_BYTES"]) + 64 * 1024
    try:
        file = request.files.get("file")
    except RequestEntityTooLarge:
        mb = 1024 * 1024
        return jsonify(error="too_large", message=f"文件太大：照片每张不超过{config['MAX_PHOTO_BYTES'] // mb}MB，"
                       f"视频每段不超过{config['MAX_VIDEO_BYTES'] // mb}MB"), 413
    if file is None or not file.filename:
        return jsonify(error="no_file", message="没有收到文件，请重试"), 400
    try:
        upload = stage_upload(current_user, key, file, kind)
    except MediaRefused as refused:
        db.session.rollback()
        return jsonify(error=refused.code, message=refused.message), 400
    db.session.commit()
    return jsonify(id=upload.public_id, kind=upload.kind.name, name=upload.original_name,
                   size=upload.byte_size, width=upload.width, height=upload.height), 201


def staged_remove_response(public_id):
    if not remove_staged_upload(current_user, request.args.get("key"), public_id):
        return jsonify(error="not_found", message="文件不存在或已删除"), 404
    db.session.commit()
    return jsonify(status="removed")


def staged_for(form) -> list:
    """The files already uploaded for `form`, a staff form that was sent and came back (shown
    ticked in its list, templates/media/_staged.html, so a second try keeps them)."""
    if form is None or request.method != "POST":
        return []
    return staged_uploads(current_user, form.upload_key.data, request.form.getlist("upload_id"))
