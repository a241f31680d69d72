"""A consistent snapshot of the database and the media store, and its restore.

A backup is a directory:

    manifest.json     what was backed up: engine, schema, Alembic revision, tool versions,
                      media mode and count, and every file with its sha256 and size
    SHA256SUMS        the same checksums in `sha256sum -c` format, for checking by hand
    database.sqlite3  SQLite: a copy made with SQLite's online backup API
    database.pgdump   PostgreSQL: pg_dump's custom format (one repeatable-read snapshot)
    media/<key>       every stored file (media mode "copy", local disk)
    media-keys.json   media mode "manifest" (an object store that keeps its own versions):
                      every key with its sha256 and size, no bytes

Consistency: the database is dumped first, then the media copied. Stored files are
content-addressed and never change; the sweeper deletes a file only once no row refers to it
AND no save has touched it for MEDIA_ORPHAN_GRACE_HOURS (24 h). So every file the dumped
database refers to is still in the store while the copy runs (unless the copy takes longer
than the grace period), and files added after the dump are merely extra.

Restore goes into an EMPTY database and an EMPTY media store only, after every checksum
matched; anything else is refused with a message saying what is in the way.
"""
from __future__ import annotations

from dataclasses import dataclass
import hashlib
import json
import os
from pathlib import Path
import re
import shutil
import sqlite3
import subprocess
import tempfile

from flask import current_app
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from app.core.clock import utcnow
from app.extensions import db
from app.media.storage import CHUNK, get_storage, sha256_of

FORMAT = 1
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
MEDIA_DIR = "media"
MEDIA_KEYS = "media-keys.json"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message (Chinese) says why and what to do."""


@dataclass
class Summary:
    directory: Path
    engine: str
    media_files: int
    media_bytes: int
    revision: str | None


def file_sha256(path: Path) -> tuple[str, int]:
    return sha256_of(Path(path))


def _hash_stream(source, out=None) -> tuple[str, int]:
    """Read `source` to its end (an object store's stream need not seek), writing each chunk
    to `out` if given; return its sha256 and size."""
    digest, size = hashlib.sha256(), 0
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if out is not None:
            out.write(chunk)
    return digest.hexdigest(), size


# --- PostgreSQL tools --------------------------------------------------------------------------

def pg_tool(name: str) -> str:
    folder = current_app.config.get("PG_BIN_DIR") or ""
    path = os.path.join(folder, name) if folder else shutil.which(name)
    if not path or not os.path.exists(path):
        raise BackupError(f"找不到 {name}：请安装与数据库服务器同一主版本（或更新）的 PostgreSQL 客户端"
                          f"（Debian：apt-get install postgresql-client），或用 PG_BIN_DIR 指明其目录")
    return path


def tool_major(path: str) -> int:
    output = subprocess.run([path, "--version"], capture_output=True, text=True,
                            check=True).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", output)
    if not match:
        raise BackupError(f"无法识别 {path} 的版本：{output.strip()}")
    return int(match.group(1))


def server_major(connection) -> int:
    return int(connection.execute(text("SHOW server_version_num")).scalar()) // 10000


def check_client_version(tool: str, server: int) -> int:
    """pg_dump/pg_restore must be at least the server's major version (an older pg_dump
    refuses a newer server; an older pg_restore cannot read a newer dump)."""
    client = tool_major(tool)
    if client < server:
        raise BackupError(f"{os.path.basename(tool)} 的版本（{client}）低于数据库服务器（{server}）："
                          f"请安装 PostgreSQL {server} 或更新的客户端，并用 PG_BIN_DIR 指明其目录")
    return client


def libpq_environment(url) -> tuple[str, dict]:
    """A connection string without the password, and the environment carrying the password
    and the URL's `options` (e.g. a search_path), for pg_dump/pg_restore."""
    url = make_url(str(url))
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    options = url.query.get("options")
    if options:
        env["PGOPTIONS"] = options if isinstance(options, str) else " ".join(options)
    parts = [f"dbname={url.database}"]
    if url.host:
        parts.append(f"host={url.host}")
    if url.port:
        parts.append(f"port={url.port}")
    if url.username:
        parts.append(f"user={url.username}")
    return " ".join(parts), env


# --- create ------------------------------------------------------------------------------------

def create_backup(out: str | os.PathLike) -> Summary:
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"备份目录 {out} 不是空的：请给每次备份一个新目录")
    out.mkdir(parents=True, exist_ok=True)
    engine = db.engine
    with engine.connect() as conn:
        revision = _revision(conn)
    files: dict[str, dict] = {}
    manifest = {"format": FORMAT, "app": "mashangban", "created_at": utcnow().isoformat(),
                "alembic_revision": revision, "files": files}
    if engine.dialect.name == "sqlite":
        manifest["database"] = _backup_sqlite(engine, out / SQLITE_FILE)
    elif engine.dialect.name == "postgresql":
        manifest["database"] = _backup_postgres(engine, out / PG_FILE)
    else:
        raise BackupError(f"不支持备份 {engine.dialect.name} 数据库")
    database_file = manifest["database"]["file"]
    sha, size = file_sha256(out / database_file)
    files[database_file] = {"sha256": sha, "size": size}
    manifest["media"] = _backup_media(get_storage(), out, files)
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                encoding="utf-8")
    # Two spaces between hash and name: `sha256sum -c SHA256SUMS` checks the lot by hand.
    (out / SUMS).write_text("".join(f"{entry['sha256']}  {name}\n"
                                    for name, entry in sorted(files.items())), encoding="utf-8")
    return Summary(out, engine.dialect.name, manifest["media"]["count"],
                   manifest["media"]["bytes"], revision)


def _revision(conn) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _sqlite_path(engine) -> str:
    path = engine.url.database
    if not path or path == ":memory:":
        raise BackupError("内存中的 SQLite 数据库无法备份：请用文件数据库")
    return path


def _backup_sqlite(engine, target: Path) -> dict:
    # The online backup API copies a consistent state page by page while the app writes on.
    source = sqlite3.connect(_sqlite_path(engine))
    destination = sqlite3.connect(target)
    try:
        with destination:
            source.backup(destination)
    finally:
        destination.close()
        source.close()
    return {"engine": "sqlite", "file": SQLITE_FILE, "sqlite_version": sqlite3.sqlite_version}


def _backup_postgres(engine, target: Path) -> dict:
    pg_dump = pg_tool("pg_dump")
    with engine.connect() as conn:
        server = server_major(conn)
        schema = conn.execute(text("SELECT current_schema()")).scalar()
    client = check_client_version(pg_dump, server)
    dsn, env = libpq_environment(engine.url)
    result = subprocess.run(
        [pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--schema={schema}",
         f"--file={target}", dsn], env=env, capture_output=True, text=True)
    if result.returncode:
        raise BackupError(f"pg_dump 失败：{result.stderr.strip()[:2000]}")
    return {"engine": "postgresql", "file": PG_FILE, "schema": schema,
            "server_major": server, "pg_dump_major": client}


def _backup_media(storage, out: Path, files: dict) -> dict:
    mode = getattr(storage, "backup_mode", "copy")
    count = total = 0
    if mode == "copy":
        folder = out / MEDIA_DIR
        folder.mkdir()
        for key in sorted(storage.keys()):
            try:
                with storage.open(key) as source, open(folder / key, "wb") as out:
                    sha, size = _hash_stream(source, out)
            except FileNotFoundError:  # swept meanwhile: no row of the dump refers to it
                (folder / key).unlink(missing_ok=True)
                continue
            files[f"{MEDIA_DIR}/{key}"] = {"sha256": sha, "size": size}
            count, total = count + 1, total + size
    else:
        # An object store keeps the bytes (with its own versioning/replication); the backup
        # lists what the database needs, with hashes a restore checks the bucket against.
        keys = {}
        for key in sorted(storage.keys()):
            with storage.open(key) as source:
                sha, size = _hash_stream(source)
            keys[key] = {"sha256": sha, "size": size}
            count, total = count + 1, total + size
        (out / MEDIA_KEYS).write_text(json.dumps(keys, indent=1) + "\n", encoding="utf-8")
        sha, size = file_sha256(out / MEDIA_KEYS)
        files[MEDIA_KEYS] = {"sha256": sha, "size": size}
    return {"mode": mode, "count": count, "bytes": total}


# --- verify and restore ------------------------------------------------------------------------

def read_manifest(directory: Path) -> dict:
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{directory} 里没有 {MANIFEST}：这不是一个备份目录") from None
    except ValueError as exc:
        raise BackupError(f"{MANIFEST} 已损坏：{exc}") from None
    if manifest.get("format") != FORMAT or manifest.get("app") != "mashangban":
        raise BackupError(f"{MANIFEST} 的格式无法识别")
    return manifest


def verify_backup(directory: str | os.PathLike) -> dict:
    """Every file the manifest lists is there with its size and sha256 (and nothing under
    media/ is unlisted); the manifest is returned. Raises BackupError naming what differs."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    problems = []
    for name, entry in sorted(manifest["files"].items()):
        path = directory / name
        if not path.is_file():
            problems.append(f"缺少文件 {name}")
            continue
        sha, size = file_sha256(path)
        if (sha, size) != (entry["sha256"], entry["size"]):
            problems.append(f"{name} 的校验和不符（文件已损坏或被改动）")
    media = directory / MEDIA_DIR
    if media.is_dir():
        problems += [f"清单外的文件 {MEDIA_DIR}/{path.name}" for path in sorted(media.iterdir())
                     if f"{MEDIA_DIR}/{path.name}" not in manifest["files"]]
    if problems:
        shown = "；".join(problems[:10]) + (f"；另有 {len(problems) - 10} 处" if len(problems) > 10
                                           else "")
        raise BackupError(f"备份校验失败，未做任何恢复：{shown}")
    return manifest


def restore_backup(directory: str | os.PathLike) -> Summary:
    directory = Path(directory)
    manifest = verify_backup(directory)
    engine, storage = db.engine, get_storage()
    database = manifest["database"]
    if database["engine"] != engine.dialect.name:
        raise BackupError(f"这是 {database['engine']} 数据库的备份，不能恢复到 "
                          f"{engine.dialect.name} 数据库")
    _refuse_non_empty_database(engine, database)
    _refuse_non_empty_storage(storage, manifest["media"])
    _refuse_missing_objects(storage, directory, manifest["media"])
    db.session.remove()
    if database["engine"] == "sqlite":
        _restore_sqlite(engine, directory / database["file"])
    else:
        _restore_postgres(engine, directory / database["file"], database)
    _restore_media(storage, directory, manifest)
    return Summary(directory, database["engine"], manifest["media"]["count"],
                   manifest["media"]["bytes"], manifest.get("alembic_revision"))


def _refuse_non_empty_database(engine, database: dict):
    if engine.dialect.name == "postgresql":
        schema = database["schema"]
        with engine.connect() as conn:
            tables = conn.execute(text(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = :s "
                "ORDER BY table_name"), {"s": schema}).scalars().all()
        where = f"数据库的模式“{schema}”"
    else:
        with engine.connect() as conn:
            tables = inspect(conn).get_table_names()
        where = "数据库"
    if tables:
        shown = "、".join(tables[:5]) + ("等" if len(tables) > 5 else "")
        raise BackupError(f"目标{where}不是空的（已有 {len(tables)} 张表：{shown}），拒绝恢复："
                          f"备份只恢复到全新的空数据库，以免覆盖现有数据。请新建一个空数据库，"
                          f"把 DATABASE_URL 指向它后重试")


def _refuse_non_empty_storage(storage, media: dict):
    if media["mode"] != "copy":
        return  # the object store keeps its objects; a restore only checks them
    for key in storage.keys():
        raise BackupError(f"目标媒体存储不是空的（例如已有 {key}），拒绝恢复：请把 MEDIA_ROOT "
                          f"指向一个新的空目录后重试")


def _restore_sqlite(engine, source: Path):
    engine.dispose()
    source_conn = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    target_conn = sqlite3.connect(_sqlite_path(engine))
    try:
        with target_conn:
            source_conn.backup(target_conn)
    finally:
        target_conn.close()
        source_conn.close()
    engine.dispose()


def _restore_postgres(engine, dump: Path, database: dict):
    pg_restore = pg_tool("pg_restore")
    with engine.connect() as conn:
        server = server_major(conn)
        schema_exists = conn.execute(text(
            "SELECT 1 FROM information_schema.schemata WHERE schema_name = :s"),
            {"s": database["schema"]}).scalar() is not None
    client = check_client_version(pg_restore, server)
    if client < database.get("pg_dump_major", 0):
        raise BackupError(f"备份由 pg_dump {database['pg_dump_major']} 写成，pg_restore {client} "
                          f"读不了：请安装更新的 PostgreSQL 客户端")
    dsn, env = libpq_environment(engine.url)
    listing = subprocess.run([pg_restore, "--list", str(dump)], env=env, capture_output=True,
                             text=True)
    if listing.returncode:
        raise BackupError(f"pg_restore 读不了备份：{listing.stderr.strip()[:2000]}")
    # An existing empty schema (typically "public") is kept: leave its CREATE SCHEMA out.
    entries = [line for line in listing.stdout.splitlines()
               if not (schema_exists and re.search(r"\bSCHEMA - ", line))]
    with tempfile.NamedTemporaryFile("w", suffix=".toc", delete=False, encoding="utf-8") as fh:
        fh.write("\n".join(entries) + "\n")
        toc = Path(fh.name)
    engine.dispose()
    try:
        result = subprocess.run(
            [pg_restore, "--no-owner", "--no-privileges", "--exit-on-error",
             "--single-transaction", f"--use-list={toc}", f"--dbname={dsn}", str(dump)],
            env=env, capture_output=True, text=True)
    finally:
        toc.unlink(missing_ok=True)
    if result.returncode:
        raise BackupError(f"pg_restore 失败（已整体回滚）：{result.stderr.strip()[:2000]}")


def _refuse_missing_objects(storage, directory: Path, media: dict):
    """An object store's backup holds keys only: every one must still be in the bucket."""
    if media["mode"] == "copy":
        return
    keys = json.loads((directory / MEDIA_KEYS).read_text(encoding="utf-8"))
    missing = [key for key in keys if not storage.exists(key)]
    if missing:
        raise BackupError(f"对象存储中缺少 {len(missing)} 个文件（例如 {missing[0]}），未做任何恢复："
                          f"请先从存储桶的版本或副本中找回")


def _restore_media(storage, directory: Path, manifest: dict):
    if manifest["media"]["mode"] != "copy":
        return  # the bucket holds them (checked above)
    for name in sorted(manifest["files"]):
        if name.startswith(f"{MEDIA_DIR}/"):
            with open(directory / name, "rb") as fh:
                storage.save(fh, name.split("/", 1)[1])
