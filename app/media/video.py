"""A poster image for a video: its first frame with ffmpeg, a neutral picture without."""
import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

from app.media.images import neutral_poster, reencode_photo

log = logging.getLogger(__name__)
_NEUTRAL = None


def first_frame(video_path) -> bytes | None:
    """The first frame as a metadata-free JPEG, or None without ffmpeg or when it fails."""
    ffmpeg = shutil.which("ffmpeg")
    if not ffmpeg:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "poster.jpg"
        try:
            subprocess.run([ffmpeg, "-nostdin", "-loglevel", "error", "-i", str(video_path),
                            "-frames:v", "1", "-vf", "scale='min(1280,iw)':-2", str(out)],
                           check=True, timeout=30, capture_output=True)
            jpeg, _w, _h = reencode_photo(out)
            return jpeg
        except Exception as exc:  # a poster is a nicety: never lose the video over it
            log.warning("ffmpeg poster failed for %s: %s", video_path, exc)
            return None


def poster_for(video_path) -> tuple[bytes, str]:
    """(bytes, extension) of the poster to show for the video at `video_path`."""
    global _NEUTRAL
    frame = first_frame(video_path)
    if frame is not None:
        return frame, "jpg"
    if _NEUTRAL is None:
        _NEUTRAL = neutral_poster()
    return _NEUTRAL, "png"
