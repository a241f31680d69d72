"""Media on S3: the storage against a local S3-compatible server (moto in server mode, its own
process), the sweeper's race, ranged serving through the authorised route, multipart uploads."""
from datetime import datetime, timedelta, timezone
import hashlib
import os
import tracemalloc

from flask import g
import pytest

from app.cases.models import CaseState
from app.core.clock import fixed_at
from app.extensions import db
from app.media.operations import store_attachment
from app.media.s3 import S3Storage
from app.media.storage import Storage, get_storage
from tests.conftest import login
from tests.media import samples
from tests.media.s3_server import client_for, fresh_bucket

KEY = "cd" * 32 + ".jpg"
START = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
MB = 1024 * 1024


@pytest.fixture
def s3(s3_endpoint):
    with fresh_bucket(s3_endpoint) as bucket:
        yield S3Storage(client_for(s3_endpoint), bucket)


def objects(storage):
    return sorted(item["Key"] for item in storage._list(""))


def test_s3_storage_saves_by_key_and_keeps_the_first_copy(s3, tmp_path):
    assert isinstance(s3, Storage)
    s3.save(b"hello", KEY)
    assert s3.exists(KEY) and not s3.exists("ef" * 32 + ".jpg")
    with s3.open(KEY) as fh:
        assert fh.read() == b"hello"
    source = tmp_path / "spooled"
    source.write_bytes(b"other")
    s3.save(source, KEY)  # content-addressed: the first copy stays; the temp file is consumed
    assert not source.exists()
    with s3.open(KEY) as fh:
        assert fh.read() == b"hello"
        fh.seek(1)
        assert fh.read(3) == b"ell"  # a ranged GET from the new position
    s3.delete(KEY)
    assert not s3.exists(KEY)
    with pytest.raises(FileNotFoundError):
        s3.open(KEY)
    with pytest.raises(ValueError):
        s3.save(b"x", "../../etc/passwd")


def test_s3_sweeper_sees_stamps_and_deletes_only_old_files(s3):
    with fixed_at(START):
        s3.save(b"orphan", KEY)
    with fixed_at(START + timedelta(hours=2)):
        s3.save(b"fresh", "ef" * 32 + ".jpg")
    cutoff = START + timedelta(hours=1)
    assert list(s3.keys_unstamped_since(cutoff)) == [KEY]
    with fixed_at(START + timedelta(hours=3)):  # a request saves the same content again
        s3.save(b"orphan", KEY)
    assert s3.delete_if_unstamped_since(KEY, cutoff) is False and s3.exists(KEY)
    assert len(s3._stamps(KEY)) == 1  # the older stamp was pruned, the newest kept
    assert s3.delete_if_unstamped_since(KEY, START + timedelta(hours=4)) is True
    assert objects(s3) == sorted(["ef" * 32 + ".jpg", *s3._stamps("ef" * 32 + ".jpg")])


@pytest.mark.parametrize("before_deleting", [KEY, "sweep/" + KEY],
                         ids=["before-the-files-delete", "after-the-last-look"])
def test_s3_save_racing_the_sweeper_never_loses_its_file(s3, before_deleting):
    """Another host saves the same content while the sweeper deletes it: just before the file
    itself goes (the sweeper sees the new stamp and puts it back from the copy set aside), or
    after its last look at the stamps (the save finds no file and uploads it again)."""
    with fixed_at(START):
        s3.save(b"orphan", KEY)
    racing = S3Storage(client_for(s3.client.meta.endpoint_url), s3.bucket)
    fired = []

    def save_meanwhile(params, **_kw):
        if params.get("Key") == before_deleting and not fired:
            fired.append(params["Key"])
            with fixed_at(START + timedelta(hours=2)):
                racing.save(b"orphan", KEY)
    event = "before-parameter-build.s3.DeleteObject"
    s3.client.meta.events.register(event, save_meanwhile)
    try:
        deleted = s3.delete_if_unstamped_since(KEY, START + timedelta(hours=1))
    finally:
        s3.client.meta.events.unregister(event, save_meanwhile)
    assert fired == [before_deleting]
    assert deleted is (before_deleting != KEY)  # the sweeper's delete went through, then the upload
    with s3.open(KEY) as fh:
        assert fh.read() == b"orphan"
    assert not any(name.startswith("sweep/") for name in objects(s3))  # nothing left aside
    assert list(s3.keys_unstamped_since(START + timedelta(hours=1))) == []  # its stamp stays


def test_s3_marker_of_a_save_that_never_uploaded_is_cleaned_up(s3):
    with fixed_at(START):
        s3._stamp(KEY)  # the worker died between the stamp and the upload
    assert list(s3.keys_unstamped_since(START + timedelta(hours=1))) == [KEY]
    assert s3.delete_if_unstamped_since(KEY, START + timedelta(hours=1)) is False
    assert objects(s3) == []


def test_video_is_served_with_ranges_through_the_authorised_route(app, make_case, world):
    """Both storages: the whole file, a range (206, only those bytes), a conditional 304."""
    data = samples.mp4_bytes(300_000)
    case = make_case(CaseState.signed)
    video = store_attachment(case, data, filename="clip.mp4")
    db.session.commit()
    staff = app.test_client()
    login(staff, world.handler.username)
    whole = staff.get(f"/media/{video.id}")
    assert whole.status_code == 200 and whole.data == data
    assert whole.headers["Accept-Ranges"] == "bytes" and whole.headers["Content-Type"] == "video/mp4"
    assert whole.headers["Cache-Control"] == "private, max-age=3600"
    part = staff.get(f"/media/{video.id}", headers={"Range": "bytes=100000-100099"})
    assert part.status_code == 206 and part.data == data[100000:100100]
    assert part.headers["Content-Range"] == f"bytes 100000-100099/{len(data)}"
    tail = staff.get(f"/media/{video.id}", headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.data == data[-10:]
    again = staff.get(f"/media/{video.id}", headers={"If-None-Match": whole.headers["ETag"]})
    assert again.status_code == 304
    g.pop("_login_user", None)
    other = app.test_client()
    login(other, world.other_handler.username)
    assert other.get(f"/media/{video.id}").status_code == 404  # same check on either storage


def test_large_video_goes_up_as_a_multipart_upload_in_bounded_memory(s3, tmp_path):
    """A 64 MB file: eight 8 MB parts (the server's ETag says so), and the app's memory peak
    stays well under the file's size (two parts in flight at most)."""
    size = 64 * MB
    path = tmp_path / "big.mp4"
    block = os.urandom(MB)
    digest = hashlib.sha256()
    with open(path, "wb") as out:
        for _ in range(size // MB):
            out.write(block)
            digest.update(block)
    key = f"{digest.hexdigest()}.mp4"
    parts = []
    s3.client.meta.events.register("after-call.s3.UploadPart", lambda **kw: parts.append(1))
    tracemalloc.start()
    try:
        s3.save(path, key)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    print(f"multipart upload of {size // MB} MB: {len(parts)} parts, app memory peak {peak / MB:.1f} MB")
    assert not path.exists()  # the temporary file was consumed
    assert len(parts) == 8
    assert s3.client.head_object(Bucket=s3.bucket, Key=key)["ETag"].endswith('-8"')
    assert peak < 16 * MB  # not the file (64 MB): two 8 MB parts at most
    with s3.open(key) as fh:
        fh.seek(size - MB)
        assert fh.read() == block


def test_storage_setting_picks_the_implementation(app, media_storage):
    storage = get_storage()
    assert type(storage).__name__ == ("S3Storage" if media_storage else "LocalStorage")
