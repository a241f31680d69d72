"""The signed-cookie session keeps one serializer per key set (app/core/session.py): a
rotated SECRET_KEY must still refuse old cookies, and a key moved to SECRET_KEY_FALLBACKS must
still read them."""


def test_a_rotated_secret_key_is_obeyed_by_the_kept_serializer(app, client):
    with client.session_transaction() as session:
        session["visit"] = "第一次"
    old = app.secret_key
    with client.session_transaction() as session:
        assert session.get("visit") == "第一次"  # the serializer is built and kept
    app.secret_key = "a-new-key-after-rotation"
    with client.session_transaction() as session:
        assert "visit" not in session  # signed with the old key only: refused
    app.config["SECRET_KEY_FALLBACKS"] = [old]
    with client.session_transaction() as session:
        assert session.get("visit") == "第一次"  # the old key as a fallback reads it again
        session["visit"] = "第二次"
    app.config["SECRET_KEY_FALLBACKS"] = []
    with client.session_transaction() as session:
        assert session.get("visit") == "第二次"  # re-signed with the new key
