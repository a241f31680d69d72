"""Photos are decoded and re-encoded, never kept as sent: EXIF (GPS!) goes, bombs are refused.

What a photo costs is decided from its header, before a pixel is decoded: its own pixel count
against MAX_IMAGE_PIXELS, and the pixels it will decode (after JPEG draft scaling) against
the request's budget (MAX_REQUEST_PIXELS). A decode larger than what is kept runs under a
per-process lock, so a worker never holds two full-size decodes at once."""
import io
import threading
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError
import pillow_heif

from app.media.sniff import MediaRefused, display_name

pillow_heif.register_heif_opener()

DEFAULT_MAX_PIXELS = 40_000_000  # a 12-48 MP phone photo fits; a 7,700² PNG (59 MP) does not
DEFAULT_REQUEST_PIXELS = 120_000_000  # nine 12 MP phone photos sent without the page's script
DEFAULT_MAX_SIDE = 2048  # what the browser sends too: every stored photo has the same bound
JPEG_QUALITY = 85
ORIENTATION = 0x0112  # the EXIF tag
# One decode larger than what is kept at a time per process: a threaded worker that takes
# several large photos at once decodes them in turn instead of holding them all in memory.
FULL_DECODE = threading.Lock()


class PixelBudget:
    """The decoded pixels one request may still spend on photos."""

    def __init__(self, pixels: int):
        self.total = self.left = pixels

    def take(self, pixels: int, filename=None):
        if pixels > self.left:
            raise MediaRefused(
                "request_pixels",
                f"“{display_name(filename)}”未保存：本次上传的照片像素合计超过"
                f"{megapixels(self.total)}，请分几次上传", filename)
        self.left -= pixels


def megapixels(pixels: int) -> str:
    """The limit as people read it: 4000万像素."""
    return f"{pixels // 10_000:,}万像素".replace(",", "")


def too_many_pixels(filename, width: int, height: int, max_pixels: int) -> MediaRefused:
    return MediaRefused(
        "image_too_large",
        f"“{display_name(filename)}”的像素尺寸过大（{width}×{height}），每张照片不超过"
        f"{megapixels(max_pixels)}，请换一张照片或缩小后再传", filename)


def reencode_photo(source, filename=None, *, max_pixels=DEFAULT_MAX_PIXELS,
                   max_side=DEFAULT_MAX_SIDE, budget: PixelBudget | None = None
                   ) -> tuple[bytes, int, int]:
    """Decode `source` (path or stream), upright it, drop metadata; return (jpeg, width, height).

    Refused from the header alone (MediaRefused) when the image has more than `max_pixels`
    or would decode more pixels than `budget` has left."""
    name = display_name(filename)
    # Pillow's own guard backs up ours: its error above twice the limit stays, its warning
    # above the limit is ours to say, with the image's size in the message.
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(source) as im:  # reads the header only
                if im.width * im.height > max_pixels:
                    raise too_many_pixels(filename, im.width, im.height, max_pixels)
                if im.format == "JPEG":  # decode at 1/2, 1/4 or 1/8 scale when that still fits
                    im.draft("RGB", fitted_size(im.size, max_side))
                decoded = im.width * im.height  # after draft: what load() will allocate
                if budget is not None:
                    budget.take(decoded, filename)
                if decoded > max_side * max_side:
                    with FULL_DECODE:
                        return _reencode(im, max_side)
                return _reencode(im, max_side)
    except Image.DecompressionBombError:
        raise MediaRefused("image_too_large", f"“{name}”的像素尺寸过大，每张照片不超过"
                           f"{megapixels(max_pixels)}，请换一张照片或缩小后再传", filename) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise MediaRefused("image_damaged", f"“{name}”无法打开，文件可能已损坏", filename) from None


def fitted_size(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """`size` shrunk (never grown) to fit a max_side square, keeping its shape."""
    width, height = size
    scale = min(1.0, max_side / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _reencode(im, max_side) -> tuple[bytes, int, int]:
    im.load()
    if im.mode != "RGB" and im.mode not in ("L", "CMYK", "YCbCr"):
        # Alpha or a palette: flatten at full size (resizing RGBA would first copy it into a
        # premultiplied twin, a palette would be resized by nearest pixel); the rest shrink first.
        im = _flatten(im)
    if max(im.size) > max_side:  # shrink first: upright and flatten work on the small copy
        im.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    if im.getexif().get(ORIENTATION, 1) != 1:  # else transposing only copies
        im = ImageOps.exif_transpose(im)
    im = _flatten(im)
    out = io.BytesIO()
    # No exif=, no icc_profile=, no comment: the new file carries pixels only.
    # Baseline, default Huffman tables: about 10 % larger than optimize+progressive
    # but the encode is ~4x faster, and it runs inside the submission request.
    im.save(out, "JPEG", quality=JPEG_QUALITY)
    return out.getvalue(), im.width, im.height


def _flatten(im):
    """RGB on white: JPEG has no alpha, and a transparent PNG must not turn black."""
    if im.mode in ("RGBA", "LA") or (im.mode == "P" and "transparency" in im.info):
        if im.mode != "RGBA":
            im = im.convert("RGBA")
        background = Image.new("RGB", im.size, (255, 255, 255))
        background.paste(im, mask=im.getchannel("A"))
        return background
    if im.mode != "RGB":
        return im.convert("RGB")
    return im


def neutral_poster() -> bytes:
    """A grey 16:9 frame with a play triangle, for videos when ffmpeg is not installed."""
    from PIL import ImageDraw
    im = Image.new("RGB", (640, 360), (60, 60, 60))
    draw = ImageDraw.Draw(im)
    draw.ellipse((270, 130, 370, 230), outline=(230, 230, 230), width=6)
    draw.polygon([(305, 152), (305, 208), (352, 180)], fill=(230, 230, 230))
    out = io.BytesIO()
    im.save(out, "PNG", optimize=True)
    return out.getvalue()
