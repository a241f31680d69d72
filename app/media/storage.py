"""Where media bytes live: a small interface with a local-disk implementation.

Keys are content hashes plus an extension ("3fa9…e1.jpg"), so the same photo uploaded twice is
stored once and a key never needs escaping. Everything lives under MEDIA_ROOT, outside static/:
files are only ever served through an authorised route.

When several app hosts share media, add an S3-compatible implementation of `Storage`
(boto3 `put_object`/`get_object`/`head_object`/`delete_object`, the key as the object name)
and select it in `get_storage` from a config value such as MEDIA_STORAGE="s3://bucket".
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

from flask import current_app

CHUNK = 1024 * 1024


@runtime_checkable
class Storage(Protocol):
    def save(self, source: bytes | BinaryIO | os.PathLike, key: str) -> None:
        """Store `source` (bytes, a readable binary stream, or a path we may consume) as `key`."""

    def open(self, key: str) -> BinaryIO:
        """A readable binary stream of `key`; FileNotFoundError when absent."""

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...


def _check_key(key: str) -> str:
    # Keys are ours (hash + extension); refuse anything that could climb out of the root.
    if not key or "/" in key or "\\" in key or key.startswith(".") or len(key) > 200:
        raise ValueError(f"invalid storage key {key!r}")
    return key


class LocalStorage:
    """Files under `root`, fanned out by the first two byte pairs: ab/cd/abcd….jpg."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        key = _check_key(key)
        return self.root / key[:2] / key[2:4] / key

    def save(self, source, key):
        target = self.path(key)
        if target.exists():  # content-addressed: same key, same bytes
            if isinstance(source, os.PathLike):
                os.unlink(source)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(source, os.PathLike):
            # A temporary file we own: move it in (atomic on one filesystem).
            shutil.move(os.fspath(source), target)
            return
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as out:
                if isinstance(source, (bytes, bytearray, memoryview)):
                    out.write(source)
                else:
                    shutil.copyfileobj(source, out, CHUNK)
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
    """The app's storage, built once from MEDIA_ROOT (local disk is the only backend so far)."""
    app = app or current_app
    storage = app.extensions.get("media_storage")
    if storage is None:
        storage = app.extensions["media_storage"] = LocalStorage(Path(app.config["MEDIA_ROOT"]) / "store")
    return storage


def temp_dir(app=None) -> Path:
    """Scratch space for uploads in flight, on the same disk as the store so moves are renames."""
    app = app or current_app
    path = Path(app.config["MEDIA_ROOT"]) / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return path
