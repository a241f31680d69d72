"""Flask's signed-cookie session, with its signing serializer built once per set of keys.

Flask builds a new URLSafeTimedSerializer (and its signer) each time it opens or saves a
session, twice a request: on the public form that construction cost about as much as the
signing itself. The serializer holds nothing per request, so one per key set serves them all;
a changed SECRET_KEY or SECRET_KEY_FALLBACKS (tests do change them) builds a new one."""
from flask.sessions import SecureCookieSessionInterface


class SignedCookieSessionInterface(SecureCookieSessionInterface):
    def __init__(self):
        self._keys = self._serializer = None

    def get_signing_serializer(self, app):
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if keys != self._keys:
            self._serializer = super().get_signing_serializer(app)
            self._keys = keys
        return self._serializer
