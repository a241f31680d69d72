"""The media module: sniffing by content, photo cleaning, storage by content hash."""
import io

from PIL import Image
import pytest

from app.cases.models import Attachment, AttachmentKind
from app.extensions import db
from app.media import images
from app.media.operations import store_attachment
from app.media.sniff import MediaRefused, sniff
from app.media.storage import LocalStorage, Storage, get_storage
from tests.media import samples


def test_sniff_decides_by_content_not_by_name():
    assert sniff(samples.jpeg_bytes()[:64]).format == "jpeg"
    assert sniff(samples.png_bytes()[:64]).format == "png"
    assert sniff(samples.heic_bytes()[:64]).kind is AttachmentKind.photo
    assert sniff(samples.mp4_bytes()[:64]).format == "mp4"
    assert sniff(samples.mov_bytes()[:64]).format == "mov"
    assert sniff(samples.exe_bytes()[:64]) is None
    assert sniff(b"GIF89a" + b"\x00" * 58) is None


def test_local_storage_saves_by_key_in_fan_out_dirs(tmp_path):
    storage = LocalStorage(tmp_path)
    assert isinstance(storage, Storage)
    key = "ab" * 32 + ".jpg"
    storage.save(b"hello", key)
    assert storage.path(key) == tmp_path / "ab" / "ab" / key
    assert storage.exists(key)
    with storage.open(key) as fh:
        assert fh.read() == b"hello"
    storage.save(io.BytesIO(b"other"), key)  # content-addressed: the first copy stays
    with storage.open(key) as fh:
        assert fh.read() == b"hello"
    storage.delete(key)
    assert not storage.exists(key)
    with pytest.raises(ValueError):
        storage.path("../../etc/passwd")


def test_photo_is_reencoded_without_gps_exif():
    original = samples.jpeg_bytes(gps=True)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the sample has GPS
    jpeg, width, height = images.reencode_photo(io.BytesIO(original), "a.jpg")
    cleaned = Image.open(io.BytesIO(jpeg))
    assert (width, height) == (640, 480)
    assert not cleaned.getexif()
    assert b"Exif" not in jpeg[:4096] and b"TestPhone" not in jpeg


def test_exif_orientation_is_applied_before_it_is_dropped():
    jpeg, width, height = images.reencode_photo(
        io.BytesIO(samples.jpeg_bytes(640, 480, orientation=6)), "rotated.jpg")
    assert (width, height) == (480, 640)


def test_png_decompression_bomb_is_refused_by_name():
    with pytest.raises(MediaRefused) as refused:
        images.reencode_photo(io.BytesIO(samples.png_bomb()), "bomb.png")
    assert refused.value.code == "image_too_large"
    assert "bomb.png" in refused.value.message


def test_store_attachment_creates_a_clean_photo_row(app, make_case):
    case = make_case()
    attachment = store_attachment(case, io.BytesIO(samples.jpeg_bytes(gps=True)),
                                  AttachmentKind.photo, filename="现场.jpg")
    db.session.commit()
    row = db.session.get(Attachment, attachment.id)
    assert row.kind is AttachmentKind.photo and row.content_type == "image/jpeg"
    assert row.original_name == "现场.jpg" and (row.width, row.height) == (640, 480)
    with get_storage().open(row.stored_name) as fh:
        stored = fh.read()
    assert len(stored) == row.byte_size and row.stored_name.startswith(row.sha256)
    assert not Image.open(io.BytesIO(stored)).getexif()


def test_heic_photo_is_converted_to_jpeg(app, make_case):
    attachment = store_attachment(make_case(), samples.heic_bytes(), filename="IMG_0001.HEIC")
    assert attachment.content_type == "image/jpeg" and attachment.stored_name.endswith(".jpg")
    assert (attachment.width, attachment.height) == (300, 200)


def test_video_gets_a_poster_and_keeps_its_bytes(app, make_case):
    data = samples.mov_bytes(50_000)
    attachment = store_attachment(make_case(), data, filename="clip.MOV")
    assert attachment.kind is AttachmentKind.video and attachment.content_type == "video/quicktime"
    storage = get_storage()
    with storage.open(attachment.stored_name) as fh:
        assert fh.read() == data
    assert attachment.poster_name and storage.exists(attachment.poster_name)


def test_renamed_program_is_refused_and_nothing_is_stored(app, make_case, tmp_path):
    case = make_case()
    with pytest.raises(MediaRefused) as refused:
        store_attachment(case, samples.exe_bytes(), filename="photo.jpg")
    assert "photo.jpg" in refused.value.message and "JPG" in refused.value.message
    assert db.session.execute(db.select(Attachment)).first() is None


def test_reply_may_restrict_the_kind(app, make_case):
    with pytest.raises(MediaRefused) as refused:
        store_attachment(make_case(), samples.mp4_bytes(), AttachmentKind.photo, filename="v.mp4")
    assert refused.value.code == "wrong_kind"


def test_long_or_odd_original_file_name_is_cut_to_its_column(app, make_case):
    case = make_case()
    attachment = store_attachment(case, io.BytesIO(samples.jpeg_bytes()), AttachmentKind.photo,
                                  filename="现\x00场" + "a" * 300 + ".jpg")
    db.session.commit()
    name = db.session.get(Attachment, attachment.id).original_name
    assert len(name) == 255 and name.startswith("现场a") and name.endswith("a.jpg")


def test_image_over_the_pixel_limit_is_refused_from_its_header_before_decoding():
    # No pixel data follows the header: "too large" (not "damaged") means nothing was decoded.
    with pytest.raises(MediaRefused) as refused:
        images.reencode_photo(io.BytesIO(samples.png_header_only(7_700, 7_700)), "big.png",
                              max_pixels=40_000_000)
    assert refused.value.code == "image_too_large"
    assert refused.value.message == ("“big.png”的像素尺寸过大（7700×7700），每张照片不超过4000万像素，"
                                     "请换一张照片或缩小后再传")
    assert images.DEFAULT_MAX_PIXELS < 7_700 * 7_700  # the probe's 59 MP PNG is over the default


def test_request_pixel_budget_counts_what_is_decoded_after_jpeg_draft():
    big_jpeg = samples.jpeg_bytes(4096, 3072, quality=50)  # decodes at half scale: 2048×1536
    budget = images.PixelBudget(2048 * 1536)
    jpeg, width, height = images.reencode_photo(io.BytesIO(big_jpeg), "big.jpg", budget=budget)
    assert (width, height) == (2048, 1536) and budget.left == 0
    # A PNG of the same size cannot be decoded at a reduced scale: it costs its full pixels.
    with pytest.raises(MediaRefused) as refused:
        images.reencode_photo(io.BytesIO(samples.png_header_only(4096, 3072)), "big.png",
                              budget=images.PixelBudget(2048 * 1536 * 3))
    assert refused.value.code == "request_pixels"
    assert "“big.png”未保存：本次上传的照片像素合计超过943万像素" in refused.value.message


def test_only_one_decode_larger_than_what_is_kept_runs_at_a_time():
    import threading
    big = samples.png_bytes(2100, 2100, mode="RGB")  # above 2,048² pixels: a full-size decode
    small = samples.jpeg_bytes(640, 480)
    done = threading.Event()
    with images.FULL_DECODE:  # another request's large decode is running
        worker = threading.Thread(target=lambda: (images.reencode_photo(io.BytesIO(big)),
                                                  done.set()))
        worker.start()
        images.reencode_photo(io.BytesIO(small))  # a browser-sized photo does not wait
        worker.join(0.5)
        assert not done.is_set()  # the large one waits for the running one to finish
    worker.join(30)
    assert done.is_set()


def test_scheduled_sweep_removes_what_a_killed_worker_left_and_logs_counts(
        app, runner, make_case, fixed_clock, caplog):
    from datetime import datetime, timedelta, timezone
    import json
    from pathlib import Path
    from app.media.operations import prepare_media, spool_to_temp
    from app.media.storage import temp_dir
    from app.reminders.tasks import tick
    start = fixed_clock.set(datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc))
    storage = get_storage()
    kept = store_attachment(make_case(), samples.jpeg_bytes(color=(9, 9, 9)), filename="kept.jpg")
    db.session.commit()
    # A worker killed mid-submission: a re-encoded file with no row, its spooled input, and a
    # half-written store file.
    orphan = prepare_media(spool_to_temp(samples.jpeg_bytes(color=(1, 1, 1))), "lost.jpg")
    spooled = spool_to_temp(samples.jpeg_bytes())
    uploading = temp_dir() / "up-streamed"
    # (a local store's half-written file; with S3 the folder is there only for this leftover)
    part = Path(app.config["MEDIA_ROOT"]) / "store" / kept.stored_name[:2] / kept.stored_name[2:4] / ".part-x"
    part.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (spooled, uploading, part):
        written_at(leftover, start)
    fixed_clock.set(start + timedelta(hours=25))
    fresh = prepare_media(spool_to_temp(samples.jpeg_bytes(color=(2, 2, 2))), "now.jpg")
    in_flight = written_at(temp_dir() / "up-now", fixed_clock.now)  # a request running now

    with caplog.at_level("INFO", logger="app.media.tasks"):
        results = tick(fixed_clock.now, deliver=False)
    assert results["sweep_media_files"] == {"store_files": 1, "temp_files": 3}
    assert "media sweep: 1 unreferenced stored files, 3 stale temp files deleted" in caplog.text
    assert not storage.exists(orphan.stored_name)
    assert not spooled.exists() and not uploading.exists() and not part.exists()
    assert storage.exists(kept.stored_name) and storage.exists(fresh.stored_name)
    assert in_flight.exists()
    assert tick(fixed_clock.now + timedelta(minutes=1), deliver=False)[
        "sweep_media_files"] == "not due"  # hourly, not every tick

    fixed_clock.advance(timedelta(hours=25))  # `flask media sweep` runs it at once
    result = runner.invoke(args=["media", "sweep"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"store_files": 1, "temp_files": 1}
    assert not storage.exists(fresh.stored_name) and storage.exists(kept.stored_name)


def written_at(path, moment):
    """`path` as a request last wrote it at `moment` (temp files go by their write time)."""
    import os
    if not path.exists():
        path.write_bytes(b"partial")
    os.utime(path, (moment.timestamp(), moment.timestamp()))
    return path
