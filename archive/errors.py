"""Errors of the archive layer."""


class ArchiveError(Exception):
    """Root of the archive layer's errors."""

    reason_code = "archive_error"
    exit_code = 5
    retryable = False

    def __init__(self, en: str, vi: str | None = None) -> None:
        super().__init__(en)
        self.vi = vi or en


class StorageUnavailable(ArchiveError):
    """The object store cannot be reached; retrying later may help."""

    reason_code = "storage_unavailable"
    retryable = True


class ObjectConflict(ArchiveError):
    """A different object is already stored under this key (the store is write-once)."""

    reason_code = "object_conflict"


class ObjectCorrupted(ArchiveError):
    """Stored bytes do not match the recorded SHA-256."""

    reason_code = "object_corrupted"


class ObjectMissing(ArchiveError):
    reason_code = "object_missing"
    exit_code = 10


class InvalidKey(ArchiveError):
    reason_code = "invalid_key"
    exit_code = 3


class UnsupportedStore(ArchiveError):
    reason_code = "unsupported_store"
    exit_code = 9
    systemic = True  # every document would fail the same way: stop the batch


class ObjectLocked(ArchiveError):
    """The server refused to delete or overwrite an object under retention or legal hold (write-once)."""

    reason_code = "object_locked"


class UploadDigestMismatch(ArchiveError):
    """The server computed another SHA-256 than the one sent: the bytes were damaged in transit."""

    reason_code = "upload_digest_mismatch"
    retryable = True


class StoreMisconfigured(ArchiveError):
    """The bucket or its credentials cannot be used as configured (every document would fail)."""

    reason_code = "store_misconfigured"
    exit_code = 9
    systemic = True
