"""Media on S3-compatible object storage (AWS S3, MinIO, Aliyun OSS, Tencent COS …) with boto3:
the `Storage` interface of app.media.storage for several app hosts that share one bucket.

Layout in the bucket (S3_BUCKET):

    <key>                          the stored file itself (content hash + extension)
    stamps/<key>/<µs>-<random>     one empty marker per save: "saved at the app clock's <µs>"
    sweep/<key>                    the sweeper's copy of a file it is deleting (for a moment)

Why markers, not the object's metadata or its Last-Modified: a save of content already stored
must stamp it without uploading it again, and the sweeper must be able to tell afterwards that
a save came in while it was deleting. S3 has no atomic rename and no conditional delete that
the S3-compatible servers agree on (a metadata-only copy does not even change the ETag), so
the local store's rename-aside trick does not carry over as it is. Markers are new objects
with names of their own: no write ever overwrites another, a listing reads every stamp of the
whole store page by page (1,000 per request, no request per object), and they are read back
consistently (S3 has had strong read-after-write consistency for PUT, DELETE and LIST since
December 2020; MinIO, OSS and COS have it too).

The race, save against sweeper (`delete_if_unstamped_since`):

    save      P1 PUT marker (now)          P2 HEAD key; absent: P3 upload key
    sweeper   S1 LIST markers: all old     S2 COPY key -> sweep/key   S3 DELETE key
              S4 LIST markers again: a marker S1 did not see -> COPY sweep/key back, keep
              S5 DELETE sweep/key and the markers S1 saw

- P1 before S1: S1 sees the new stamp and the sweeper leaves the file alone.
- P1 between S1 and S4: S4 sees it and puts the file back (its bytes were set aside at S2);
  whatever P2/P3 did meanwhile wrote the same bytes under the same key.
- P1 after S4: then P2 comes after S3, finds no file and P3 uploads it again; S5 deletes only
  the markers S1 listed by name, never P1's.
So a save racing the sweeper never loses its file, as with local disk. A sweeper that dies
between S3 and S5 leaves sweep/<key> (with the bytes) and, if a save came in, a missing
file: the attachment route then says "file missing" and logs it, and `sweep/` can be copied
back by hand (docs/deploy-media.md).
"""
from __future__ import annotations

from datetime import datetime, timezone
import io
import os
import secrets
from typing import Iterator

from app.core.clock import utcnow
from app.media.storage import check_key

STAMPS = "stamps/"
SWEEP = "sweep/"
MB = 1024 * 1024


def transfer_config():
    """Large files (videos) go up as multipart uploads, 8 MB a part, two parts in flight:
    the file is read part by part from disk, never held whole in memory."""
    from boto3.s3.transfer import TransferConfig
    return TransferConfig(multipart_threshold=8 * MB, multipart_chunksize=8 * MB,
                          max_concurrency=2, io_chunksize=256 * 1024)


def make_client(endpoint_url=None, access_key_id=None, secret_access_key=None, region=None,
                addressing_style="auto"):
    import boto3
    from botocore.config import Config as BotoConfig
    return boto3.client(
        "s3", endpoint_url=endpoint_url or None, aws_access_key_id=access_key_id or None,
        aws_secret_access_key=secret_access_key or None, region_name=region or "us-east-1",
        config=BotoConfig(
            signature_version="s3v4", s3={"addressing_style": addressing_style or "auto"},
            connect_timeout=5, read_timeout=60, retries={"max_attempts": 5, "mode": "standard"},
            # Checksums only where S3 requires them: several S3-compatible servers refuse the
            # CRC32 trailers boto3 sends by default since 1.36.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required"))


def _stamp_name(key: str, moment: datetime) -> str:
    micros = int(moment.timestamp() * 1_000_000)
    return f"{STAMPS}{key}/{micros:020d}-{secrets.token_hex(4)}"


def _stamp_time(name: str) -> float:
    """Seconds since the epoch of the marker `name` (stamps/<key>/<µs>-<random>)."""
    return int(name.rsplit("/", 1)[1].split("-", 1)[0]) / 1_000_000


def _not_found(error) -> bool:
    code = str(error.response.get("Error", {}).get("Code", ""))
    return code in {"404", "NoSuchKey", "NotFound"}


class S3Storage:
    """Stored files as objects named by their key in `bucket` (see the module's docstring)."""

    def __init__(self, client, bucket: str):
        self.client = client
        self.bucket = bucket

    @classmethod
    def from_config(cls, config) -> "S3Storage":
        bucket = (config.get("S3_BUCKET") or "").strip()
        if not bucket:
            raise RuntimeError("MEDIA_STORAGE=s3 needs S3_BUCKET (and S3_ENDPOINT_URL unless AWS)")
        client = make_client(config.get("S3_ENDPOINT_URL"), config.get("S3_ACCESS_KEY_ID"),
                             config.get("S3_SECRET_ACCESS_KEY"), config.get("S3_REGION"),
                             config.get("S3_ADDRESSING_STYLE") or "auto")
        return cls(client, bucket)

    # --- the interface ---------------------------------------------------------------------

    def save(self, source, key):
        check_key(key)
        self._stamp(key)  # P1: before looking, so a sweeper that deletes after sees it
        try:
            if self.exists(key):  # P2; content-addressed: same key, same bytes
                return
            self._upload(source, key)  # P3
        finally:
            if isinstance(source, os.PathLike) and os.path.exists(source):
                os.unlink(source)  # a temporary file we were given to consume

    def open(self, key) -> "S3Reader":
        """A seekable reader of `key` (ranged GETs): FileNotFoundError when absent."""
        return S3Reader(self.client, self.bucket, check_key(key))

    def exists(self, key):
        from botocore.exceptions import ClientError
        try:
            self.client.head_object(Bucket=self.bucket, Key=check_key(key))
        except ClientError as error:
            if _not_found(error):
                return False
            raise
        return True

    def delete(self, key):
        self.client.delete_object(Bucket=self.bucket, Key=check_key(key))

    # The bucket keeps the bytes (with the provider's own versioning/replication); a backup
    # lists the keys with their hashes, which a restore checks the bucket against (app/backup).
    backup_mode = "manifest"

    def keys(self) -> Iterator[str]:
        """Stored files: the bucket's top level (stamps/ and sweep/ are prefixes, left out)."""
        for item in self._list("", delimiter="/"):
            if _valid(item["Key"]):
                yield item["Key"]

    def ping(self) -> None:
        """The bucket answers with these credentials (/readyz). A HEAD, not a test write: the
        probe runs every few seconds on every host and must not grow the bucket's requests
        bill or its object count."""
        self.client.head_bucket(Bucket=self.bucket)

    def keys_unstamped_since(self, cutoff: datetime) -> Iterator[str]:
        """Keys whose newest stamp is older than `cutoff`: stored files, and markers left by a
        save that never finished its upload. Two paged listings, no request per file; a file
        with no marker at all (copied in by hand, restored from a backup) goes by its
        Last-Modified."""
        limit = cutoff.timestamp()
        newest: dict[str, float] = {}
        for item in self._list(STAMPS):
            key = item["Key"][len(STAMPS):].split("/", 1)[0]
            newest[key] = max(newest.get(key, 0.0), _stamp_time(item["Key"]))
        files = {}
        for item in self._list("", delimiter="/"):
            files[item["Key"]] = item["LastModified"].timestamp()
        for key in sorted(files.keys() | newest.keys()):
            if not _valid(key):
                continue
            if newest.get(key, files.get(key, 0.0)) < limit:
                yield key

    def delete_if_unstamped_since(self, key, cutoff: datetime) -> bool:
        """Delete `key` unless a save stamps it meanwhile; True if it was deleted (the race
        argument is in the module's docstring: S1 … S5 there are marked here)."""
        from botocore.exceptions import ClientError
        check_key(key)
        limit = cutoff.timestamp()
        seen = self._stamps(key)  # S1
        if any(_stamp_time(name) >= limit for name in seen):
            self._delete_many(sorted(seen)[:-1])  # keep the newest; older ones say nothing more
            return False
        aside = SWEEP + key
        try:  # S2
            self.client.copy({"Bucket": self.bucket, "Key": key}, self.bucket, aside,
                             Config=transfer_config())
        except ClientError as error:
            if not _not_found(error):
                raise
            self._delete_many(seen)  # markers of a save that never uploaded its file
            return False
        self.client.delete_object(Bucket=self.bucket, Key=key)  # S3
        if self._stamps(key) - seen:  # S4: a save came in meanwhile: same bytes either way
            self.client.copy({"Bucket": self.bucket, "Key": aside}, self.bucket, key,
                             Config=transfer_config())
            self.client.delete_object(Bucket=self.bucket, Key=aside)
            self._delete_many(seen)
            return False
        self.client.delete_object(Bucket=self.bucket, Key=aside)  # S5
        self._delete_many(seen)
        return True

    # --- helpers ---------------------------------------------------------------------------

    def _stamp(self, key: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=_stamp_name(key, utcnow()), Body=b"")

    def _stamps(self, key: str) -> set[str]:
        return {item["Key"] for item in self._list(f"{STAMPS}{key}/")}

    def _upload(self, source, key: str) -> None:
        if isinstance(source, (bytes, bytearray, memoryview)):
            self.client.put_object(Bucket=self.bucket, Key=key, Body=bytes(source))
        elif isinstance(source, os.PathLike):
            self.client.upload_file(os.fspath(source), self.bucket, key, Config=transfer_config())
        else:
            self.client.upload_fileobj(source, self.bucket, key, Config=transfer_config())

    def _list(self, prefix: str, delimiter: str | None = None) -> Iterator[dict]:
        paginator = self.client.get_paginator("list_objects_v2")
        kwargs = {"Bucket": self.bucket, "Prefix": prefix}
        if delimiter:
            kwargs["Delimiter"] = delimiter
        for page in paginator.paginate(**kwargs):
            yield from page.get("Contents", ())

    def _delete_many(self, names) -> None:
        names = list(names)
        for start in range(0, len(names), 1000):
            self.client.delete_objects(Bucket=self.bucket, Delete={
                "Objects": [{"Key": name} for name in names[start:start + 1000]], "Quiet": True})


def _valid(key: str) -> bool:
    try:
        check_key(key)
    except ValueError:
        return False
    return True


class S3Reader(io.RawIOBase):
    """A stored object read like a file: `size` known up front, `seek` anywhere (the next read
    is a ranged GET from there), so the attachment route answers Range requests (video on
    iPhones needs them) by fetching only the bytes asked for."""

    def __init__(self, client, bucket: str, key: str):
        from botocore.exceptions import ClientError
        super().__init__()
        self.client, self.bucket, self.key = client, bucket, key
        try:
            head = client.head_object(Bucket=bucket, Key=key)
        except ClientError as error:
            if _not_found(error):
                raise FileNotFoundError(key) from error
            raise
        self.size = head["ContentLength"]
        self.last_modified: datetime = head["LastModified"].astimezone(timezone.utc)
        self._position = 0
        self._body = None

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return self._position

    def seek(self, offset, whence=io.SEEK_SET):
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self.size}[whence]
        position = max(0, base + offset)
        if position != self._position:
            self._drop_body()
            self._position = position
        return self._position

    def readinto(self, buffer) -> int:
        if self._position >= self.size or len(buffer) == 0:
            return 0
        if self._body is None:
            response = self.client.get_object(Bucket=self.bucket, Key=self.key,
                                              Range=f"bytes={self._position}-")
            self._body = response["Body"]
        data = self._body.read(len(buffer))
        buffer[:len(data)] = data
        self._position += len(data)
        return len(data)

    def _drop_body(self):
        if self._body is not None:
            self._body.close()
            self._body = None

    def close(self):
        self._drop_body()
        super().close()

