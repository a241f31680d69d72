"""Intake page benchmarks: bytes to first render of /q/<token>, and server memory while a
200 MB video is posted.

Run: /work/main/.venv/bin/python bench/intake.py
Goals: first render ≤ 30 KB gzip (HTML+CSS+JS); memory growth ≤ 30 MB during the video post.
The server runs in this process (werkzeug, threaded); the client is a separate process, so the
RSS measured is the server's alone."""
import gzip
import os
from pathlib import Path
import re
import subprocess
import sys
import tempfile
import threading
import time

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MB = 1024 * 1024

CLIENT = r'''
import http.client, struct, sys
port, path, size = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
boundary = "benchboundary42"
head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.mp4\"\r\n"
        f"Content-Type: video/mp4\r\n\r\n").encode()
ftyp = struct.pack(">I", 24) + b"ftypmp42" + b"\0\0\0\0" + b"mp42isom"
tail = f"\r\n--{boundary}--\r\n".encode()
total = len(head) + size + len(tail)
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
conn.putrequest("POST", path)
conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
conn.putheader("Content-Length", str(total))
conn.endheaders()
conn.send(head + ftyp)
chunk = b"\x11" * (1024 * 1024)
left = size - len(ftyp)
while left > 0:
    conn.send(chunk[:min(left, len(chunk))]); left -= len(chunk)
conn.send(tail)
r = conn.getresponse(); print(r.status, r.read()[:200].decode())
'''


def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main():
    tmp = Path(tempfile.mkdtemp(prefix="msb-bench-"))
    os.environ.update(DATABASE_URL=f"sqlite:///{tmp}/bench.sqlite3", MEDIA_ROOT=str(tmp / "media"),
                      RATELIMIT_ENABLED="0", MAX_VIDEO_BYTES=str(256 * MB))
    import flask_migrate
    from werkzeug.serving import make_server
    from app import create_app
    from app.cards.operations import issue_card
    from app.enterprises.models import Enterprise
    from app.extensions import db
    import logging
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    logging.getLogger("alembic").setLevel(logging.ERROR)

    app = create_app()
    app.config["WTF_CSRF_ENABLED"] = False  # the upload client below carries no token
    with app.app_context():
        flask_migrate.upgrade()
        enterprise = Enterprise(name="鲁西轴承有限公司", credit_code="91371500000000001X")
        db.session.add(enterprise)
        token = issue_card(enterprise).token
        db.session.commit()

    # 1. Bytes to first render: the HTML and every stylesheet and script it links.
    client = app.test_client()
    headers = {"Accept-Encoding": "gzip"}
    page = client.get(f"/q/{token}", headers=headers)
    html = gzip.decompress(page.data).decode() if page.headers.get("Content-Encoding") == "gzip" \
        else page.get_data(as_text=True)
    rows = [(f"/q/{token}", len(html.encode()), len(page.data))]
    for url in re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html):
        r = client.get(url, headers=headers)
        raw = gzip.decompress(r.data) if r.headers.get("Content-Encoding") == "gzip" else r.data
        rows.append((url, len(raw), len(r.data)))
    print("First render of /q/<token> (gzip on the wire, as served by the app):")
    for url, raw, wire in rows:
        print(f"  {url:<40} {raw:>7} B raw  {wire:>7} B gzip")
    total_raw, total_wire = sum(r[1] for r in rows), sum(r[2] for r in rows)
    print(f"  {'total':<40} {total_raw:>7} B raw  {total_wire:>7} B gzip  "
          f"(goal ≤ 30720 B: {'met' if total_wire <= 30720 else 'NOT met'})")

    # 2. Memory growth of the server while a 200 MB video arrives.
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    key = "benchsubmissionkey0123456789"
    baseline = rss_mb()
    peak = [baseline]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_mb())
            time.sleep(0.02)
    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CLIENT, str(server.server_port),
                          f"/q/{token}/uploads?key={key}", str(200 * MB)],
                         capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    server.shutdown()
    growth = peak[0] - baseline
    print(f"\n200 MB video posted to /q/<token>/uploads: {out.stdout.strip()[:80]} in {elapsed:.1f} s")
    print(f"  server RSS before {baseline:.1f} MB, peak {peak[0]:.1f} MB, growth {growth:.1f} MB "
          f"(goal ≤ 30 MB: {'met' if growth <= 30 else 'NOT met'})")


if __name__ == "__main__":
    main()
