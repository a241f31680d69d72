"""Static files a browser keeps: fingerprinted URLs cached for a year, 304s for the gzip ETag,
and the favicon.

`url_for('static', filename=…)` adds `v=<first 10 hex of the file's SHA-256>`; a request
carrying the file's current fingerprint is answered `Cache-Control: public, max-age=31536000,
immutable`, so a page load fetches no CSS or JS it already has, and a changed file gets a new
URL. Any other static request (no or an old fingerprint) is revalidated every time. The gzip
layer (app/intake/compress.py) stores the ETag as `…-gz`; a conditional request carrying that
ETag gets 304, not the whole file again.
"""
import hashlib
import os

from flask import current_app, request, send_from_directory

YEAR = 365 * 24 * 3600
FINGERPRINT_LENGTH = 10
_fingerprints: dict[str, tuple[float, int, str]] = {}


def fingerprint(filename: str) -> str | None:
    """The file's content fingerprint, recomputed only when its mtime or size changes."""
    path = os.path.join(current_app.static_folder, filename)
    try:
        stat = os.stat(path)
    except OSError:
        return None
    known = _fingerprints.get(path)
    if known and known[:2] == (stat.st_mtime, stat.st_size):
        return known[2]
    with open(path, "rb") as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()[:FINGERPRINT_LENGTH]
    _fingerprints[path] = (stat.st_mtime, stat.st_size, digest)
    return digest


def gzip_etag_matches(response) -> bool:
    """Whether the request revalidates the gzip form of `response` (ETag `…-gz`)."""
    etag, _weak = response.get_etag()
    return bool(etag) and request.method in ("GET", "HEAD") and (
        request.if_none_match.contains_weak(etag + "-gz"))


def register_static_caching(app):
    @app.url_defaults
    def add_fingerprint(endpoint, values):
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = fingerprint(values["filename"])
            if version:
                values["v"] = version

    @app.after_request
    def static_cache_headers(response):
        if request.endpoint != "static" or response.status_code not in (200, 304):
            return response
        filename = (request.view_args or {}).get("filename", "")
        if request.args.get("v") and request.args.get("v") == fingerprint(filename):
            response.cache_control.no_cache = None  # send_file's default without a max age
            response.cache_control.public = True
            response.cache_control.max_age = YEAR
            response.cache_control.immutable = True
            response.expires = None
        else:
            response.cache_control.no_cache = True
            response.cache_control.max_age = None
        return response

    @app.get("/favicon.ico")
    def favicon():
        """Browsers ask for /favicon.ico whatever the page links."""
        return send_from_directory(app.static_folder, "favicon.ico", max_age=7 * 24 * 3600,
                                   mimetype="image/vnd.microsoft.icon")
