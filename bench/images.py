"""Photo cost benchmark: a worker's peak memory and time for the worst photo it accepts and
for one it refuses (issue 16, item 5).

Run: /work/main/.venv/bin/python bench/images.py
Each photo is re-encoded in a fresh process, as a gunicorn sync worker would in one request,
with the default limits (MAX_IMAGE_PIXELS, MAX_REQUEST_PIXELS); the peak is that process's
highest resident set size while it works on the photo (the high-water mark is reset first)
less what it held before (imports, the file's bytes)."""
import io
from pathlib import Path
import subprocess
import sys
import time

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# (label, format, width, height, mode): the largest each format may be under the default limit.
CASES = [
    ("worst accepted JPEG (40 MP, decoded at 1/2)", "JPEG", 7296, 5480, "RGB"),
    ("worst accepted PNG (40 MP, RGBA, full decode)", "PNG", 7296, 5480, "RGBA"),
    ("worst accepted HEIC (40 MP, full decode)", "HEIF", 7296, 5480, "RGB"),
    ("refused PNG 7,700×7,700 (the probe's)", "PNG", 7700, 7700, "L"),
]


def make(fmt, width, height, mode) -> bytes:
    from PIL import Image, ImageDraw
    if fmt == "PNG" and mode == "L":
        from tests.media.samples import png_bomb
        return png_bomb(width)
    im = Image.new(mode, (width, height), (90, 140, 200, 255)[:len(mode)])
    ImageDraw.Draw(im).rectangle((width // 4, height // 4, width // 2, height // 2),
                                 fill=(240, 200, 30, 255)[:len(mode)])
    out = io.BytesIO()
    if fmt == "HEIF":
        import pillow_heif
        pillow_heif.from_pillow(im).save(out, quality=50)
    else:
        im.save(out, fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return out.getvalue()


def rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(field)


def measure(path: str):
    from app.media import images
    from app.media.sniff import MediaRefused
    from config import Config
    data = Path(path).read_bytes()
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current VmRSS
    before = rss_kib("VmRSS")
    start = time.perf_counter()
    try:
        jpeg, width, height = images.reencode_photo(
            io.BytesIO(data), "bench", max_pixels=Config.MAX_IMAGE_PIXELS,
            budget=images.PixelBudget(Config.MAX_REQUEST_PIXELS))
        outcome = f"accepted → {width}×{height}, {len(jpeg) // 1024} KB"
    except MediaRefused as refused:
        outcome = f"refused: {refused.message}"
    took = time.perf_counter() - start
    peak = rss_kib("VmHWM") - before
    print(f"{took * 1000:8.0f} ms {peak / 1024:8.1f} MB  {outcome}")


def main():
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        for label, fmt, width, height, mode in CASES:
            path = Path(tmp) / f"{fmt}-{width}x{height}"
            path.write_bytes(make(fmt, width, height, mode))
            print(f"{label}: {path.stat().st_size // 1024} KB file")
            subprocess.run([sys.executable, __file__, "--one", str(path)], check=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        measure(sys.argv[2])
    else:
        main()
