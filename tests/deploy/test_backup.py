"""Backups (docs/deploy.md, "Backups"): the drill — the demo county with uploads, backed up,
restored into a fresh database and a fresh media root, gives the same figures, the same
ledger and the same bytes of every attachment — on SQLite and on PostgreSQL (DATABASE_URL);
and what a restore refuses."""
from datetime import date, datetime, timezone
import io
import json
import uuid

import openpyxl
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from app.backup import operations as backup
from app.cases.models import AttachmentKind, Attachment, Case
from app.extensions import db
from app.figures.ledger import export_ledger
from app.figures.queries import compute_figures
from app.media.operations import store_attachment
from app.media.storage import get_storage
from tests.conftest import is_postgres, make_config
from tests.media import samples

NOW = datetime(2026, 11, 17, 2, 0, tzinfo=timezone.utc)
PERIOD = (date(2025, 11, 1), date(2026, 11, 18))


@pytest.fixture
def restore_target(migrated, tmp_path):
    """A fresh, EMPTY database for the restore: a new SQLite file, or a new PostgreSQL database
    (pg_restore recreates the dumped schema there; the URL keeps the same search_path)."""
    if not is_postgres(migrated):
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    source = make_url(migrated)
    name = f"restore_{uuid.uuid4().hex[:12]}"
    admin = create_engine(source.set(query={}), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield source.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def county_with_uploads(runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    cases = db.session.execute(db.select(Case).order_by(Case.id).limit(4)).scalars().all()
    for n, case in enumerate(cases):
        store_attachment(case, io.BytesIO(samples.jpeg_bytes(color=(40 * n, 90, 200 - 40 * n))),
                         filename=f"现场{n}.jpg")
    store_attachment(cases[0], io.BytesIO(samples.png_bytes()), filename="截图.png")
    store_attachment(cases[1], io.BytesIO(samples.mp4_bytes(size=300_000)), AttachmentKind.video,
                     filename="视频.mp4")
    db.session.commit()


def what_the_office_sees(tmp_path, label):
    """The figures, the ledger's rows (both sheets) and the bytes of every attachment."""
    figures = compute_figures(*PERIOD, now=NOW)
    grouped = compute_figures(*PERIOD, by="department", now=NOW)
    path = tmp_path / f"ledger-{label}.xlsx"
    export_ledger(str(path), *PERIOD, full=True, now=NOW, county="示范县")
    workbook = openpyxl.load_workbook(path, read_only=True)
    ledger = {ws.title: [list(row) for row in ws.iter_rows(values_only=True)]
              for ws in workbook.worksheets}
    workbook.close()
    storage = get_storage()
    files = {}
    for attachment in db.session.execute(db.select(Attachment).order_by(Attachment.id)).scalars():
        for key in filter(None, (attachment.stored_name, attachment.poster_name)):
            with storage.open(key) as fh:
                files[(attachment.id, key)] = fh.read()
    return {"figures": json.dumps([figures, grouped], sort_keys=True, default=str),
            "ledger": ledger, "files": files}


def test_backup_restore_drill(app, runner, fixed_clock, tmp_path, restore_target):
    fixed_clock.set(NOW)
    county_with_uploads(runner)
    before = what_the_office_sees(tmp_path, "before")
    assert len(before["files"]) >= 6 and len(before["ledger"]) >= 1
    assert sum(len(rows) for rows in before["ledger"].values()) > 200

    out = tmp_path / "backup-2026-11-17"
    result = runner.invoke(args=["backup", "create", "--out", str(out)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["database"]["engine"] == db.engine.dialect.name
    assert manifest["media"]["mode"] == "copy"
    assert manifest["media"]["count"] == len(list(get_storage().keys())) >= 6
    assert (out / "SHA256SUMS").read_text().count("\n") == len(manifest["files"])

    # Into the database it came from: refused, nothing touched.
    refused = runner.invoke(args=["backup", "restore", str(out)])
    assert refused.exit_code != 0 and "不是空的" in refused.output and "拒绝恢复" in refused.output

    target = create_app(make_config(restore_target, tmp_path / "media-restored"))
    with target.app_context():
        restored = target.test_cli_runner().invoke(args=["backup", "restore", str(out)])
        assert restored.exit_code == 0, restored.output
        after = what_the_office_sees(tmp_path, "after")
        assert after["figures"] == before["figures"]
        assert after["ledger"] == before["ledger"]
        assert after["files"] == before["files"]
        # A second restore into what is now a full database is refused.
        again = target.test_cli_runner().invoke(args=["backup", "restore", str(out)])
        assert again.exit_code != 0 and "不是空的" in again.output
        db.session.remove()
        db.engine.dispose()


def test_restore_checks_every_checksum_first(app, runner, tmp_path, restore_target, make_case):
    store_attachment(make_case(), io.BytesIO(samples.jpeg_bytes()), filename="a.jpg")
    db.session.commit()
    out = tmp_path / "backup"
    assert runner.invoke(args=["backup", "create", "--out", str(out)]).exit_code == 0
    media_file = next((out / "media").iterdir())
    media_file.write_bytes(media_file.read_bytes()[:-1] + b"\x00")
    assert runner.invoke(args=["backup", "verify", str(out)]).exit_code != 0
    target = create_app(make_config(restore_target, tmp_path / "media-restored"))
    with target.app_context():
        result = target.test_cli_runner().invoke(args=["backup", "restore", str(out)])
        assert result.exit_code != 0
        assert "校验和不符" in result.output and media_file.name in result.output
        # Nothing was restored.
        with db.engine.connect() as conn:
            assert not _tables(conn)
        assert list(get_storage().keys()) == []
        db.engine.dispose()


def test_restore_refuses_a_media_store_that_is_not_empty(app, runner, tmp_path, restore_target):
    out = tmp_path / "backup"
    assert runner.invoke(args=["backup", "create", "--out", str(out)]).exit_code == 0
    target = create_app(make_config(restore_target, tmp_path / "media-restored"))
    with target.app_context():
        get_storage().save(b"left over", "ab" * 32 + ".jpg")
        result = target.test_cli_runner().invoke(args=["backup", "restore", str(out)])
        assert result.exit_code != 0 and "媒体存储不是空的" in result.output
        db.engine.dispose()


def test_create_refuses_a_directory_that_is_not_empty(app, runner, tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "manifest.json").write_text("{}")
    result = runner.invoke(args=["backup", "create", "--out", str(tmp_path / "old")])
    assert result.exit_code != 0 and "不是空的" in result.output


def test_an_older_postgresql_client_than_the_server_is_refused(tmp_path):
    fake = tmp_path / "pg_dump"
    fake.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 13.4'\n")
    fake.chmod(0o755)
    with pytest.raises(backup.BackupError, match="低于数据库服务器（15）"):
        backup.check_client_version(str(fake), 15)
    assert backup.check_client_version(str(fake), 13) == 13


def test_the_installed_pg_dump_can_dump_the_test_server(migrated):
    """The client the Makefile installs (postgresql-client) is at least the server's version."""
    if not is_postgres(migrated):
        pytest.skip("PostgreSQL leg only")
    import shutil
    engine = create_engine(migrated)
    with engine.connect() as conn:
        server = backup.server_major(conn)
    engine.dispose()
    assert backup.check_client_version(shutil.which("pg_dump"), server) >= server


def _tables(conn):
    from sqlalchemy import inspect
    if conn.dialect.name == "postgresql":
        return conn.execute(text("SELECT table_name FROM information_schema.tables "
                                 "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
                                 )).scalars().all()
    return inspect(conn).get_table_names()


@pytest.mark.parametrize("media_storage", ["s3"], indirect=True)
def test_an_object_store_is_backed_up_as_a_list_of_keys_and_hashes(app, runner, tmp_path,
                                                                   restore_target, make_case,
                                                                   media_storage):
    """S3 (the moto server): the bucket keeps the bytes, with its own versions, so a backup
    lists its keys with their hashes, not copies; the restore checks the bucket holds every
    key (stamps/ and sweep/ are not files)."""
    storage = get_storage()
    assert type(storage).__name__ == "S3Storage" and storage.backup_mode == "manifest"
    attachment = store_attachment(make_case(), io.BytesIO(samples.jpeg_bytes()), filename="a.jpg")
    db.session.commit()
    out = tmp_path / "backup"
    assert runner.invoke(args=["backup", "create", "--out", str(out)]).exit_code == 0
    keys = json.loads((out / "media-keys.json").read_text())
    assert keys == {attachment.stored_name: {"sha256": attachment.sha256,
                                             "size": attachment.byte_size}}
    assert not (out / "media").exists()

    target = create_app(make_config(restore_target, tmp_path / "other-host", **media_storage))
    with target.app_context():
        get_storage().delete(attachment.stored_name)  # lost from the bucket meanwhile
        result = target.test_cli_runner().invoke(args=["backup", "restore", str(out)])
        assert result.exit_code != 0 and "对象存储中缺少 1 个文件" in result.output
        with db.engine.connect() as conn:
            assert not _tables(conn)  # refused before the database was touched
        db.engine.dispose()
