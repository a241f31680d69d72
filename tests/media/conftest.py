from tests.media.storages import media_storage  # noqa: F401  (both storages here)
