"""gzip for text responses, so the H5 page is small on a county 4G link even without nginx.

Behind nginx with `gzip on` this does nothing: a response already encoded is left alone."""
import zlib

from app.core.static import gzip_etag_matches

COMPRESSIBLE = ("text/html", "text/css", "application/javascript", "text/javascript",
                "application/json", "image/svg+xml")
MIN_BYTES = 600
MAX_BYTES = 2 * 1024 * 1024


def register_gzip(app):
    @app.after_request
    def gzip_text(response):
        if ("gzip" not in (_accept_encoding() or "") or response.status_code < 200
                or response.status_code in (204, 206, 304)
                or "Content-Encoding" in response.headers
                or response.mimetype not in COMPRESSIBLE
                or (response.content_length or 0) > MAX_BYTES):
            return response
        if gzip_etag_matches(response):  # the browser holds this gzip body: 304, no body
            return _not_modified(response)
        response.direct_passthrough = False  # static files: read the (small) body into memory
        data = response.get_data()
        if len(data) < MIN_BYTES:
            return response
        response.set_data(gzip_bytes(data))
        response.headers["Content-Encoding"] = "gzip"
        response.vary.add("Accept-Encoding")
        if response.get_etag()[0]:
            etag, weak = response.get_etag()
            response.set_etag(etag + "-gz", weak)
        return response


def _not_modified(response):
    """`response` turned into a 304 for its gzip ETag: the headers a cache needs, no body."""
    etag, weak = response.get_etag()
    response.close()  # a static file's open handle
    response.response = []
    response.direct_passthrough = False
    response.status_code = 304
    response.set_etag(etag + "-gz", weak)
    response.vary.add("Accept-Encoding")
    for header in ("Content-Length", "Content-Type", "Content-Encoding"):
        response.headers.pop(header, None)
    return response


def _accept_encoding():
    from flask import request
    return request.headers.get("Accept-Encoding")


def gzip_bytes(data: bytes, level: int = 6) -> bytes:
    """gzip `data` with a window no larger than the data: deflate's default 32 KB window and
    full memory level cost ~40 µs of set-up per call, more than compressing a 5 KB page, and
    buy nothing when the whole input fits a smaller window (the output is the same)."""
    window = max(9, min(15, len(data).bit_length()))
    memory = 8 if window == 15 else 5  # 5: as small as the output stays the same (measured)
    compressor = zlib.compressobj(level, zlib.DEFLATED, 16 + window, memory)
    return compressor.compress(data) + compressor.flush()
