"""Read request bodies from gunicorn in large pieces.

gunicorn's `Body.read(n)` gathers `n` bytes 1 KB at a time, and each 1 KB read copies the rest
of its 8 KB socket buffer: about 2 ms of CPU per 200 KB photo, minutes of CPU for a 100 MB video.
Its `LengthReader` (a body with a Content-Length) reads whole socket chunks; we hand reads to it
directly, and let its socket reader take 64 KB a `recv` instead of 8 KB (a 200 KB photo in 4
system calls, not 25). Chunked bodies and any other server's input stream are left as they are.
"""
SOCKET_CHUNK = 64 * 1024


class FastLengthInput:
    """`wsgi.input` for a gunicorn body with a Content-Length: read() goes to its reader."""

    def __init__(self, body):
        self._body = body
        unreader = body.reader.unreader
        if getattr(unreader, "mxchunk", SOCKET_CHUNK) < SOCKET_CHUNK:
            unreader.mxchunk = SOCKET_CHUNK

    def read(self, size=-1):
        body = self._body
        if size is None or size < 0 or body.buf.tell():  # read-all, or bytes already buffered
            return body.read(size)
        return body.reader.read(size)

    def readline(self, size=None):
        return self._body.readline(size)

    def readlines(self, size=None):
        return self._body.readlines(size)

    def __iter__(self):
        return iter(self._body)


def _is_gunicorn_length_body(stream) -> bool:
    reader = getattr(stream, "reader", None)
    return (type(stream).__module__ == "gunicorn.http.body"
            and type(reader).__name__ == "LengthReader" and hasattr(stream, "buf"))


def register_fast_input(app):
    wsgi_app = app.wsgi_app

    def fast_input(environ, start_response):
        stream = environ.get("wsgi.input")
        if _is_gunicorn_length_body(stream):
            environ["wsgi.input"] = FastLengthInput(stream)
        return wsgi_app(environ, start_response)

    app.wsgi_app = fast_input
