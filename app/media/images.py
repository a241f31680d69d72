"""Photos are decoded and re-encoded, never kept as sent: EXIF (GPS!) goes, bombs are refused."""
import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError
import pillow_heif

from app.media.sniff import MediaRefused, display_name

pillow_heif.register_heif_opener()

DEFAULT_MAX_PIXELS = 60_000_000  # a 50-megapixel phone camera fits; a crafted 30k×30k PNG does not
DEFAULT_MAX_SIDE = 4096  # the browser already shrinks to 2,048; this bounds the no-JS path
JPEG_QUALITY = 85
ORIENTATION = 0x0112  # the EXIF tag


def reencode_photo(source, filename=None, *, max_pixels=DEFAULT_MAX_PIXELS,
                   max_side=DEFAULT_MAX_SIDE) -> tuple[bytes, int, int]:
    """Decode `source` (path or stream), upright it, drop metadata; return (jpeg, width, height)."""
    name = display_name(filename)
    # Pillow's own guard (a warning above the limit, an error above twice it) backs up ours.
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source) as im:
                if im.width * im.height > max_pixels:
                    raise Image.DecompressionBombError(f"{im.width}x{im.height}")
                if im.format == "JPEG":
                    im.draft("RGB", (max_side, max_side))  # decode at a reduced scale: less memory
                im.load()
                if im.getexif().get(ORIENTATION, 1) != 1:  # else transposing only copies
                    im = ImageOps.exif_transpose(im)
                im = _flatten(im)
                if max(im.size) > max_side:
                    im.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
                out = io.BytesIO()
                # No exif=, no icc_profile=, no comment: the new file carries pixels only.
                # Baseline, default Huffman tables: about 10 % larger than optimize+progressive
                # but the encode is ~4x faster, and it runs inside the submission request.
                im.save(out, "JPEG", quality=JPEG_QUALITY)
                return out.getvalue(), im.width, im.height
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise MediaRefused("image_too_large",
                           f"“{name}”的像素尺寸过大，无法处理，请换一张照片", filename) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise MediaRefused("image_damaged", f"“{name}”无法打开，文件可能已损坏", filename) from None


def _flatten(im):
    """RGB on white: JPEG has no alpha, and a transparent PNG must not turn black."""
    if im.mode in ("RGBA", "LA") or (im.mode == "P" and "transparency" in im.info):
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
