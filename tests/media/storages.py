"""Both storages for one test: `media_storage` (tests/conftest.py) parametrized "local" and "s3".
tests/media runs every test that uses the app on both (tests/media/conftest.py); an intake test
that stores files says so with `@on_both_storages`."""
import pytest

STORAGES = ["local", "s3"]
on_both_storages = pytest.mark.parametrize("media_storage", STORAGES, indirect=True)
