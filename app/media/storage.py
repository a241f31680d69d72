"""Where media bytes live: a small interface with a local-disk implementation.

Keys are content hashes plus an extension ("3fa9…e1.jpg"), so the same photo uploaded twice is
stored once and a key never needs escaping. Everything lives under MEDIA_ROOT, outside static/:
files are only ever served through an authorised route.

Because one file may serve many rows, nothing deletes a file while a request runs: every save
(a new file or one already there) stamps it with the app clock, and only the sweeper
(`app.media.operations.sweep_unreferenced_files`) deletes a file that no row refers to and no
save has stamped for a grace period, with `delete_if_unstamped_since`, which a save racing it
always wins.

Two implementations: `LocalStorage` (one host's disk, the default) and `S3Storage` (an
S3-compatible object store shared by several app hosts: MEDIA_STORAGE=s3, see
docs/deploy-media.md); `get_storage` picks one from the config.
"""
from __future__ import annotations

from datetime import datetime
import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO, Iterator, Protocol, runtime_checkable

from flask import current_app

from app.core.clock import utcnow

CHUNK = 1024 * 1024
SWEEPING = ".sweep-"  # a file the sweeper has set aside for a moment (see delete_if_unstamped_since)


@runtime_checkable
class Storage(Protocol):
    def save(self, source: bytes | BinaryIO | os.PathLike, key: str) -> None:
        """Store `source` (bytes, a readable binary stream, or a path we may consume) as `key`."""

    def open(self, key: str) -> BinaryIO:
        """A readable binary stream of `key`; FileNotFoundError when absent."""

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...

    def keys_unstamped_since(self, cutoff: datetime) -> Iterator[str]:
        """Keys no save has stamped since `cutoff`."""

    def delete_if_unstamped_since(self, key: str, cutoff: datetime) -> bool:
        """Delete `key` unless a save stamps it meanwhile; True if it was deleted."""

    def keys(self) -> Iterator[str]:
        """Every stored key (backups walk them)."""

    def ping(self) -> None:
        """Raise unless the store can be read and written now (/readyz)."""

    # What a backup holds of this store: "copy" (the bytes of every key) or "manifest" (keys
    # and hashes only, for an object store that keeps its own versions; app/backup).
    backup_mode: str


def check_key(key: str) -> str:
    # Keys are ours (hash + extension); refuse anything that could climb out of the root.
    if not key or "/" in key or "\\" in key or key.startswith(".") or len(key) > 200:
        raise ValueError(f"invalid storage key {key!r}")
    return key


class LocalStorage:
    """Files under `root`, fanned out by the first two byte pairs: ab/cd/abcd….jpg."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        key = check_key(key)
        return self.root / key[:2] / key[2:4] / key

    def save(self, source, key):
        target = self.path(key)
        if _stamp(target):  # content-addressed: same key, same bytes; stamped, so it is kept
            if isinstance(source, os.PathLike):
                os.unlink(source)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(source, os.PathLike):
            # A temporary file we own: move it in (atomic on one filesystem).
            shutil.move(os.fspath(source), target)
            _stamp(target)
            return
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as out:
                if isinstance(source, (bytes, bytearray, memoryview)):
                    out.write(source)
                else:
                    shutil.copyfileobj(source, out, CHUNK)
            _stamp(tmp)
            os.replace(tmp, target)  # readers never see a half-written file
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def open(self, key):
        return open(self.path(key), "rb")

    def exists(self, key):
        return self.path(key).exists()

    def delete(self, key):
        try:
            self.path(key).unlink()
        except FileNotFoundError:
            pass

    def keys_unstamped_since(self, cutoff: datetime):
        """Keys of stored files no save has stamped since `cutoff` (the sweeper's candidates)."""
        limit = cutoff.timestamp()
        for path in self._files():
            try:
                if path.stat().st_mtime < limit:
                    yield path.name
            except FileNotFoundError:
                continue

    backup_mode = "copy"

    def keys(self):
        return (path.name for path in self._files())

    def _files(self):
        """Stored files (not half-written or set-aside ones)."""
        for path in self.root.glob("??/??/*"):
            if not path.name.startswith((".", SWEEPING)):
                yield path

    def ping(self):
        """The store's folder is there and takes a file (a full or read-only disk fails)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=self.root, prefix=".ping-"):
            pass

    def delete_if_unstamped_since(self, key, cutoff: datetime) -> bool:
        """Delete `key` unless a save stamped it since `cutoff`; True if it was deleted.

        The file is first renamed aside, so a save that comes after the rename finds no file
        and writes a new one, and a save that stamped it before the rename is seen on the
        renamed file, which then goes back: a concurrent save never loses its file."""
        path = self.path(key)
        aside = path.with_name(SWEEPING + key)
        try:
            os.rename(path, aside)
        except FileNotFoundError:
            return False
        if aside.stat().st_mtime >= cutoff.timestamp():
            os.replace(aside, path)  # a save came in meanwhile: same bytes either way
            return False
        aside.unlink()
        return True


def _stamp(path) -> bool:
    """Mark `path` as saved now (the app clock); False if there is no such file."""
    moment = utcnow().timestamp()
    try:
        os.utime(path, (moment, moment))
    except FileNotFoundError:
        return False
    return True


def content_key(sha256_hex: str, extension: str) -> str:
    return f"{sha256_hex}.{extension.lstrip('.')}"


def sha256_of(source: bytes | BinaryIO | os.PathLike) -> tuple[str, int]:
    """The hex digest and byte size of bytes, a stream (rewound after) or a file path."""
    digest = hashlib.sha256()
    if isinstance(source, (bytes, bytearray, memoryview)):
        digest.update(source)
        return digest.hexdigest(), len(source)
    if isinstance(source, os.PathLike):
        with open(source, "rb") as fh:
            return sha256_of(fh)
    size = 0
    start = source.tell()
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    source.seek(start)
    return digest.hexdigest(), size


def get_storage(app=None) -> Storage:
    """The app's storage, built once: MEDIA_STORAGE "local" (files under MEDIA_ROOT/store, the
    default) or "s3" (the S3_* settings; see app.media.s3)."""
    app = app or current_app
    storage = app.extensions.get("media_storage")
    if storage is None:
        kind = (app.config.get("MEDIA_STORAGE") or "local").strip().lower()
        if kind == "s3":
            from app.media.s3 import S3Storage
            storage = S3Storage.from_config(app.config)
        elif kind == "local":
            storage = LocalStorage(Path(app.config["MEDIA_ROOT"]) / "store")
        else:
            raise RuntimeError(f"MEDIA_STORAGE must be 'local' or 's3', not {kind!r}")
        app.extensions["media_storage"] = storage
    return storage


def temp_dir(app=None) -> Path:
    """Scratch space for uploads in flight, on the same disk as the store so moves are renames."""
    app = app or current_app
    path = Path(app.config["MEDIA_ROOT"]) / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return path


def sweep_stale_temp_files(root: Path, cutoff: datetime) -> int:
    """Delete what requests left under `root` (MEDIA_ROOT): files in tmp/ and half-written or
    set-aside files in the store's folders, not modified since `cutoff`; return how many.
    (A temporary file's time is the last write's, read from the system clock: the app clock
    is that clock outside tests.)"""
    deleted = 0
    leftovers = [*(root / "tmp").glob("*"), *(root / "store").glob("??/??/.part-*"),
                 *(root / "store").glob(f"??/??/{SWEEPING}*")]
    for path in leftovers:
        try:
            if path.is_file() and path.stat().st_mtime < cutoff.timestamp():
                path.unlink()
                deleted += 1
        except FileNotFoundError:
            continue
    return deleted
