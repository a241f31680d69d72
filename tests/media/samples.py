"""Real files built on the spot: photos with GPS, bombs, disguised programs, video headers."""
import io
import struct
import zlib

from PIL import ExifTags, Image
import pillow_heif


def jpeg_bytes(width=640, height=480, color=(200, 60, 40), gps=False, orientation=None,
               quality=90) -> bytes:
    im = Image.new("RGB", (width, height), color)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestPhone"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    if gps:
        gps_ifd = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps_ifd[ExifTags.GPS.GPSLatitudeRef] = "N"
        gps_ifd[ExifTags.GPS.GPSLatitude] = (36.0, 27.0, 15.5)
        gps_ifd[ExifTags.GPS.GPSLongitudeRef] = "E"
        gps_ifd[ExifTags.GPS.GPSLongitude] = (115.0, 58.0, 30.2)
    out = io.BytesIO()
    im.save(out, "JPEG", quality=quality, exif=exif.tobytes())
    return out.getvalue()


def png_bytes(width=320, height=200, mode="RGBA") -> bytes:
    im = Image.new(mode, (width, height), (10, 120, 200, 128) if mode == "RGBA" else 128)
    out = io.BytesIO()
    im.save(out, "PNG")
    return out.getvalue()


def heic_bytes(width=300, height=200) -> bytes:
    heif = pillow_heif.from_pillow(Image.new("RGB", (width, height), (20, 160, 90)))
    out = io.BytesIO()
    heif.save(out, quality=60)
    return out.getvalue()


def _png_chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png_header_only(width, height) -> bytes:
    """A PNG whose header announces width×height but that has no pixel data at all: refusing
    it as too large (not as damaged) shows the decision was taken before decoding."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IEND", b"")


def png_bomb(side=10_000) -> bytes:
    """A small PNG that decodes to side×side pixels (100 megapixels by default): all zeros."""
    chunk = _png_chunk
    compressor = zlib.compressobj(9)
    row = b"\x00" * (side + 1)  # filter byte + one grey byte per pixel
    parts = [compressor.compress(row) for _ in range(side)]
    parts.append(compressor.flush())
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"".join(parts))
            + chunk(b"IEND", b""))


def exe_bytes() -> bytes:
    """The start of a Windows program (MZ header), as a renamed "photo.jpg" would carry."""
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 2048


def mp4_bytes(size=4096, brand=b"mp42") -> bytes:
    head = struct.pack(">I", 24) + b"ftyp" + brand + b"\x00\x00\x00\x00" + b"mp42isom"
    mdat = struct.pack(">I", max(size - len(head), 8)) + b"mdat"
    return (head + mdat + b"\x11" * max(size - len(head) - 8, 0))[:max(size, len(head) + 8)]


def mov_bytes(size=4096) -> bytes:
    return mp4_bytes(size, brand=b"qt  ")
