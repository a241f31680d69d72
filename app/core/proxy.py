"""The client's address behind reverse proxies (docs/deploy.md, "Behind a proxy").

TRUSTED_PROXIES says how many proxies in front of the app add X-Forwarded-For/-Proto/-Host;
Werkzeug's ProxyFix then takes the client's address from the right hop, so
`request.remote_addr` — what the rate limits, the login throttle, audit events and logs read —
is the client's, not the proxy's. With 0 (the default) the headers are ignored: a client
cannot pick its own address by sending them.
"""
from flask import has_request_context, request
from werkzeug.middleware.proxy_fix import ProxyFix


def register_proxy_fix(app):
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops < 0:
        raise RuntimeError("TRUSTED_PROXIES 不能为负数")
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def request_address() -> str | None:
    """The client's address of the request being served, or None outside a request."""
    if not has_request_context():
        return None
    return (request.remote_addr or "")[:45] or None
