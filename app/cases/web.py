"""The one way a page runs a case action: validate, call the operation, commit once or show
the operation's Chinese refusal beside the form that was used."""
from flask import current_app, flash, redirect
from flask_login import current_user

from app.cases.errors import CaseActionError
from app.cases.queries import get_visible_case_or_404
from app.core.confirm import confirmation_page, confirmed, going_back
from app.extensions import db


def first_error(form) -> str | None:
    return next((message for errors in form.errors.values() for message in errors), None)


def run_case_action(tracking_no, name, form, perform, done_message, *, render, success_url,
                    confirm=None):
    """Validate `form`, run `perform(case)`; commit and redirect to `success_url`, or re-render
    with `render(case, status, error=…, error_form=name, <name>=form)` keeping what was typed.
    `done_message` is the flash, or a function of the committed case giving it.

    `confirm(case)`, for irreversible actions, gives the confirmation page's title, message,
    button and details (app/core/confirm.py): until the POST says confirmed=1 the operation
    runs as a dry run, is rolled back, and that page answers."""
    case = get_visible_case_or_404(current_user, tracking_no, for_update=True)
    if confirm is not None and going_back():
        return render(case, 200, error_form=name, **{name: form})
    if not form.validate_on_submit():
        return render(case, 400, error=first_error(form) or "请检查填写的内容",
                      error_form=name, **{name: form})
    try:
        perform(case)
    except CaseActionError as exc:
        db.session.rollback()
        case = get_visible_case_or_404(current_user, tracking_no)
        return render(case, exc.status, error=exc.message, error_form=name, **{name: form})
    if confirm is not None and not confirmed():
        db.session.rollback()
        return confirmation_page(**confirm(get_visible_case_or_404(current_user, tracking_no)))
    db.session.commit()
    current_app.logger.info("%s case=%s user=%s", name, tracking_no, current_user.username)
    flash(done_message(case) if callable(done_message) else done_message, "info")
    return redirect(success_url)
