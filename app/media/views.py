"""Media for staff: served only through this authorised route, never from static/."""
import logging

from flask import Blueprint, abort, render_template, request, send_file
from flask_login import current_user, login_required

from app.cases.models import Attachment
from app.cases.queries import get_visible_case
from app.extensions import db
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
    """Send an attachment's bytes (or its video poster), privately cached, with ranges."""
    key = attachment.poster_name if poster else attachment.stored_name
    if not key:
        abort(404)
    storage = get_storage()
    if not storage.exists(key):  # a row whose bytes are gone: say so, log it, never a 500
        log.error("media: attachment %s of case %s points at missing file %s", attachment.id,
                  attachment.case_id, key)
        return render_template("core/error.html", status=404, message=MISSING_MESSAGE), 404
    if poster:
        mimetype = "image/png" if key.endswith(".png") else "image/jpeg"
    else:
        mimetype = attachment.content_type
    source = storage.path(key) if hasattr(storage, "path") else storage.open(key)
    response = send_file(source, mimetype=mimetype, conditional=True, max_age=3600, etag=key)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
