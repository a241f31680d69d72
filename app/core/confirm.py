"""A confirmation step for irreversible one-click actions, without JavaScript: the POST runs the
real operation as a dry run (so bad input is refused before anything is asked), rolls it back
and answers a page that says what will happen and posts every field again (CSRF token and what
was typed included) with confirmed=1; 返回修改 posts them with confirmed=back, and the view
shows its form again, filled in."""
from flask import render_template, request

CONFIRMED, BACK = "1", "back"


def confirmed() -> bool:
    return request.form.get("confirmed") == CONFIRMED


def going_back() -> bool:
    return request.form.get("confirmed") == BACK


def confirmation_page(*, title: str, message: str, button: str, details=()):
    """The page asking to confirm the POST being handled; `details`: (label, text) pairs."""
    fields = [(name, value) for name, value in request.form.items(multi=True)
              if name != "confirmed"]
    return render_template("core/confirm.html", title=title, message=message, button=button,
                           details=details, fields=fields, action=request.path)
