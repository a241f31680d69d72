"""Both storages for one test: `media_storage`, parametrized "local" and "s3", overrides the
root conftest's (local only) where it is imported: tests/media and the intake tests that store
files. The S3 leg runs against moto in server mode (tests/media/s3_server.py), a fresh bucket
per test."""
import pytest

from tests.media.s3_server import fresh_bucket, s3_settings


@pytest.fixture(params=["local", "s3"])
def media_storage(request):
    """The storage settings the `app` fixture applies: {} for local disk, S3_* for a bucket."""
    if request.param == "local":
        yield {}
        return
    endpoint = request.getfixturevalue("s3_endpoint")
    with fresh_bucket(endpoint) as bucket:
        yield s3_settings(endpoint, bucket)
