from tests.media.storages import STORAGES


def pytest_generate_tests(metafunc):
    """Every test here that uses the app runs on local disk and on S3 (moto)."""
    if "media_storage" in metafunc.fixturenames and not any(
            "media_storage" in marker.args[0] for marker in metafunc.definition.iter_markers("parametrize")):
        metafunc.parametrize("media_storage", STORAGES, indirect=True)
