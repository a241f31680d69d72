"""gunicorn bodies are read in large pieces, with the same bytes as gunicorn's own reads."""
import os

from gunicorn.http.body import Body, ChunkedReader, LengthReader
from gunicorn.http.unreader import IterUnreader

from app.intake.wsgi_input import FastLengthInput, register_fast_input


def _body(data, piece=8192):
    chunks = [data[i:i + piece] for i in range(0, len(data), piece)]
    return Body(LengthReader(IterUnreader(chunks), len(data)))


def test_reads_give_the_same_bytes_in_few_large_pieces():
    data = os.urandom(200 * 1024 + 17)
    fast = FastLengthInput(_body(data))
    pieces = []
    while piece := fast.read(64 * 1024):
        pieces.append(piece)
    assert b"".join(pieces) == data
    assert [len(p) for p in pieces] == [65536, 65536, 65536, 8209]


def test_a_readline_first_leaves_nothing_behind():
    data = b"first line\r\n" + os.urandom(50_000)
    fast = FastLengthInput(_body(data, piece=1000))
    assert fast.readline() == b"first line\r\n"
    rest = b""
    while piece := fast.read(4096):
        rest += piece
    assert rest == data[len(b"first line\r\n"):]


def test_only_gunicorn_length_bodies_are_wrapped(app):
    seen = {}

    def inner(environ, start_response):
        seen["input"] = environ["wsgi.input"]
        return []
    app.wsgi_app = inner
    register_fast_input(app)
    length_body = _body(b"abc")
    app.wsgi_app({"wsgi.input": length_body}, None)
    assert isinstance(seen["input"], FastLengthInput)
    chunked = Body(ChunkedReader(None, IterUnreader([b"3\r\nabc\r\n0\r\n\r\n"])))
    app.wsgi_app({"wsgi.input": chunked}, None)
    assert seen["input"] is chunked


class CountingSocket:
    def __init__(self, data):
        self.data, self.calls = data, 0

    def recv(self, size):
        self.calls += 1
        piece, self.data = self.data[:size], self.data[size:]
        return piece


def test_the_socket_is_read_64_kb_a_call():
    from gunicorn.http.unreader import SocketUnreader
    data = os.urandom(200 * 1024)
    sock = CountingSocket(data)
    fast = FastLengthInput(Body(LengthReader(SocketUnreader(sock), len(data))))
    pieces = []
    while piece := fast.read(64 * 1024):
        pieces.append(piece)
    assert b"".join(pieces) == data
    assert sock.calls == 4  # gunicorn's own 8 KB reads would take 25
