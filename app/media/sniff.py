"""Decide what a file is from its first bytes, never from its name or the browser's word."""
from dataclasses import dataclass

from app.cases.models import AttachmentKind

SNIFF_BYTES = 64

HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
MP4_BRANDS = {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ",
              b"M4VP", b"dash", b"mmp4", b"3gp4", b"3gp5", b"3gp6", b"3g2a", b"MSNV", b"XAVC"}
MOV_BRANDS = {b"qt  "}
ALLOWED_LABEL = "JPG、PNG、HEIC 照片或 MP4、MOV 视频"


class MediaRefused(Exception):
    """A file we will not keep; `message` is Chinese and names the file."""

    def __init__(self, code: str, message: str, filename: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.filename = filename


@dataclass(frozen=True)
class Sniffed:
    kind: AttachmentKind
    format: str  # jpeg, png, heif, mp4, mov
    content_type: str


def sniff(head: bytes) -> Sniffed | None:
    """What the leading bytes say the file is, or None if it is nothing we accept."""
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed(AttachmentKind.photo, "jpeg", "image/jpeg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed(AttachmentKind.photo, "png", "image/png")
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brands = {head[8:12]} | {head[i:i + 4] for i in range(16, min(len(head), 48), 4)}
        major = head[8:12]
        # The major brand decides; compatible brands only break a tie for odd majors.
        if major in HEIF_BRANDS:
            return Sniffed(AttachmentKind.photo, "heif", "image/heic")
        if major in MOV_BRANDS:
            return Sniffed(AttachmentKind.video, "mov", "video/quicktime")
        if major in MP4_BRANDS:
            return Sniffed(AttachmentKind.video, "mp4", "video/mp4")
        if brands & HEIF_BRANDS and not brands & MP4_BRANDS:
            return Sniffed(AttachmentKind.photo, "heif", "image/heic")
        if brands & MP4_BRANDS:
            return Sniffed(AttachmentKind.video, "mp4", "video/mp4")
    return None


def sniff_or_refuse(head: bytes, filename: str | None) -> Sniffed:
    found = sniff(head)
    if found is None:
        raise MediaRefused("unsupported_type",
                           f"“{display_name(filename)}”不是可接受的文件，只能上传{ALLOWED_LABEL}",
                           filename)
    return found


def display_name(filename: str | None) -> str:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name:
        return "未命名文件"
    return name if len(name) <= 40 else name[:18] + "…" + name[-18:]
