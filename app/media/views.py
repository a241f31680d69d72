"""Media for staff: served only through this authorised route, never from static/."""
from flask import Blueprint, abort, request, send_file
from flask_login import current_user, login_required

from app.cases.models import Attachment
from app.cases.queries import get_visible_case
from app.extensions import db
from app.media.storage import get_storage

bp = Blueprint("media", __name__)


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
    if poster:
        mimetype = "image/png" if key.endswith(".png") else "image/jpeg"
    else:
        mimetype = attachment.content_type
    source = storage.path(key) if hasattr(storage, "path") else storage.open(key)
    response = send_file(source, mimetype=mimetype, conditional=True, max_age=3600, etag=key)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
