"""The warehouse on an S3 server (MinIO in production; Ceph RGW, Garage, SeaweedFS or AWS alike), through
the ``minio`` SDK only.

* The bucket is created with versioning and object lock when it does not exist; an existing bucket
  without them is refused (the write-once promise would be empty).
* Every object is sent in one PUT with ``x-amz-checksum-sha256`` (so a verifying server rejects damaged
  bytes), ``If-None-Match: *`` (so the server itself refuses to overwrite a key), the SHA-256 also in
  ``x-amz-meta-sha256``, its retention (``COMPLIANCE`` or ``GOVERNANCE``) and legal hold.
* Every read recomputes the SHA-256 and compares it with what the server recorded.
* A delete of a retained or held object is refused by the server (``AccessDenied``) and reported as
  :class:`~archive.errors.ObjectLocked`.
* An unreachable server is retried with exponential backoff, then reported as the retryable
  :class:`~archive.errors.StorageUnavailable`; a single PUT is atomic, so nothing is ever half-written.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from urllib.parse import quote, unquote, urlparse

import urllib3
from minio import Minio
from minio import time as minio_time
from minio.commonconfig import COMPLIANCE, ENABLED, GOVERNANCE
from minio.error import InvalidResponseError, MinioException, S3Error, ServerError
from minio.helpers import genheaders
from minio.retention import Retention
from minio.sse import Sse, SseKMS, SseS3
from minio.versioningconfig import VersioningConfig

from archive.config import StoreConfig
from archive.errors import (
    ArchiveError,
    ObjectConflict,
    ObjectCorrupted,
    ObjectLocked,
    ObjectMissing,
    StorageUnavailable,
    StoreMisconfigured,
    UploadDigestMismatch,
)
from archive.layout import mask_key
from archive.store import ObjectStore, StoredObject, check_key, sha256_hex

log = logging.getLogger("sohoa.archive.s3")
T = TypeVar("T")

SHA_META = "sha256"  # user metadata (x-amz-meta-sha256): the hex digest, readable by any S3 client
_MISSING = {"NoSuchKey", "ResourceNotFound", "NoSuchVersion", "MethodNotAllowed"}
_TRANSIENT = {"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "RequestTimeTooSkewed"}
_DIGEST = {"BadDigest", "XAmzContentChecksumMismatch", "InvalidDigest", "XAmzContentSHA256Mismatch"}
_CONFIG = {"NoSuchBucket", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidBucketName"}


def _truthy(v: str) -> bool:
    return v.strip().lower() in ("1", "true", "yes", "on")


def b64_to_hex(value: str) -> str | None:
    try:
        return base64.b64decode(value, validate=True).hex()
    except (binascii.Error, ValueError):
        return None


def hex_to_b64(digest: str) -> str:
    return base64.b64encode(bytes.fromhex(digest)).decode()


def parse_sse(spec: str | None) -> Sse | None:
    if not spec or spec.lower() == "none":
        return None
    if spec.lower() == "s3":
        return SseS3()
    if spec.lower().startswith("kms:"):
        return SseKMS(spec[4:], {})
    raise StoreMisconfigured(
        f"store.sse must be 's3' or 'kms:<key id>', not {spec!r}",
        f"store.sse phải là 's3' hoặc 'kms:<mã khóa>', không phải {spec!r}",
    )


_OWN_DIGEST = "x-sohoa-payload-sha256"  # internal: never sent


class _Client(Minio):
    """The SDK, reusing the SHA-256 we already computed for ``x-amz-checksum-sha256`` as the signed
    payload hash over plain HTTP instead of hashing the body a second time (over HTTPS it signs
    ``UNSIGNED-PAYLOAD`` and sends Content-MD5, as the SDK does). Other requests are built unchanged."""

    def _build_headers(self, host, headers=None, body=None, creds=None):  # type: ignore[override]
        digest = headers.pop(_OWN_DIGEST, None) if headers else None
        if digest is None or not body or not creds:
            return super()._build_headers(host, headers, body, creds)
        headers["Host"] = host
        headers["User-Agent"] = self._user_agent
        headers["Content-Length"] = str(len(body))
        if self._base_url.is_https:
            headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD"
            # Servers that predate flexible checksums want Content-MD5 with object-lock headers.
            headers.setdefault("Content-MD5", base64.b64encode(hashlib.md5(body).digest()).decode())
        else:
            headers["x-amz-content-sha256"] = digest
        if creds.session_token:
            headers["X-Amz-Security-Token"] = creds.session_token
        date = minio_time.utcnow()
        headers["x-amz-date"] = minio_time.to_amz_date(date)
        return headers, date


class S3Store(ObjectStore):
    """Write-once, checksummed, retained objects in one bucket of an S3 server."""

    def __init__(
        self,
        bucket: str,
        endpoint: str,
        access_key: str | None,
        secret_key: str | None,
        *,
        secure: bool = True,
        region: str = "us-east-1",
        retention_mode: str = "COMPLIANCE",
        legal_hold: bool = False,
        sse: str | None = None,
        create_bucket: bool = True,
        timeout_s: float = 10.0,
        retries: int = 4,
        backoff_s: float = 0.5,
    ) -> None:
        self.bucket = bucket
        self.endpoint = endpoint
        self.url = f"s3://{bucket}"
        self.retention_mode = COMPLIANCE if retention_mode.upper() == "COMPLIANCE" else GOVERNANCE
        self.legal_hold = legal_hold
        self.sse = parse_sse(sse)
        self.retries = max(1, retries)
        self.backoff_s = backoff_s
        # Our own retry loop (below) decides about backoff; urllib3 must fail fast and report.
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=timeout_s, read=timeout_s),
            maxsize=10,
            retries=urllib3.Retry(total=0, connect=0, read=0, redirect=0, status=0, raise_on_status=False),
        )
        self.client = _Client(
            endpoint,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure,
            region=region,
            http_client=http,
        )
        self._ensure_bucket(create_bucket, region)

    @classmethod
    def from_config(cls, cfg: StoreConfig, url: str, env: Mapping[str, str], prefix: str = "SOHOA_S3_") -> S3Store:
        parsed = urlparse(url)
        bucket = parsed.netloc
        if not bucket or parsed.path not in ("", "/"):
            raise StoreMisconfigured(
                f"S3 store URL must be s3://BUCKET, not {url!r}",
                f"địa chỉ kho S3 phải là s3://BUCKET, không phải {url!r}",
            )
        endpoint = env.get(prefix + "ENDPOINT") or cfg.s3_endpoint
        if not endpoint:
            raise StoreMisconfigured(
                f"{prefix}ENDPOINT (host:port of the S3 server) is not set",
                f"chưa đặt {prefix}ENDPOINT (host:port của máy chủ S3)",
            )
        secure_env = env.get(prefix + "SECURE")
        secure = _truthy(secure_env) if secure_env is not None else cfg.s3_secure is not False
        return cls(
            bucket,
            endpoint,
            env.get(prefix + "ACCESS_KEY"),
            env.get(prefix + "SECRET_KEY"),
            secure=secure,
            region=env.get(prefix + "REGION") or cfg.s3_region or "us-east-1",
            retention_mode=cfg.retention_mode,
            legal_hold=cfg.legal_hold,
            sse=cfg.sse,
            create_bucket=cfg.create_bucket,
            timeout_s=cfg.timeout_s,
            retries=cfg.retries,
            backoff_s=cfg.backoff_s,
        )

    # --- plumbing ---------------------------------------------------------------------------------
    def _call(self, what: str, fn: Callable[[], T]) -> T:
        """Run one S3 request; retry an unreachable or overloaded server with exponential backoff."""
        delay = self.backoff_s
        for attempt in range(1, self.retries + 1):
            try:
                return fn()
            except S3Error as e:
                if e.code not in _TRANSIENT or attempt == self.retries:
                    raise
                reason: object = e.code
            except (ServerError, InvalidResponseError, urllib3.exceptions.HTTPError, OSError) as e:
                if attempt == self.retries:
                    raise StorageUnavailable(
                        f"S3 server {self.endpoint} unreachable ({what}): {e}",
                        f"không kết nối được máy chủ S3 {self.endpoint} ({what}): {e}",
                    ) from e
                reason = type(e).__name__
            log.warning("S3 %s: %s, retrying in %.1fs (%d/%d)", mask_key(what), reason, delay, attempt, self.retries)
            time.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    def _fail(self, e: S3Error, key: str) -> ArchiveError:
        if e.code in _MISSING:
            return ObjectMissing(f"{key} is not in the store", f"{key} không có trong kho")
        if e.code in _DIGEST:
            return UploadDigestMismatch(
                f"{key}: the server rejected the bytes, their SHA-256 did not match ({e.code})",
                f"{key}: máy chủ từ chối dữ liệu vì mã băm SHA-256 không khớp ({e.code})",
            )
        if e.code in _CONFIG or e.code == "AccessDenied":
            return StoreMisconfigured(
                f"S3 bucket {self.bucket} on {self.endpoint}: {e.code}: {e.message}",
                f"bucket S3 {self.bucket} trên {self.endpoint}: {e.code}: {e.message}",
            )
        return StorageUnavailable(f"S3 {key}: {e.code}: {e.message}", f"S3 {key}: {e.code}: {e.message}")

    def _ensure_bucket(self, create: bool, region: str) -> None:
        try:
            exists = self._call("bucket_exists", lambda: self.client.bucket_exists(self.bucket))
            if not exists:
                if not create:
                    raise StoreMisconfigured(
                        f"bucket {self.bucket} does not exist on {self.endpoint}",
                        f"bucket {self.bucket} không tồn tại trên {self.endpoint}",
                    )
                self._call("make_bucket", lambda: self.client.make_bucket(self.bucket, region, object_lock=True))
                self._call(
                    "set_bucket_versioning",
                    lambda: self.client.set_bucket_versioning(self.bucket, VersioningConfig(ENABLED)),
                )
                log.info("created bucket %s with versioning and object lock", self.bucket)
                return
            versioning = self._call("get_bucket_versioning", lambda: self.client.get_bucket_versioning(self.bucket))
            try:
                self._call("get_object_lock_config", lambda: self.client.get_object_lock_config(self.bucket))
                locked = True
            except S3Error as e:
                if e.code != "ObjectLockConfigurationNotFoundError":
                    raise
                locked = False
        except S3Error as e:
            raise self._fail(e, self.bucket) from e
        if versioning.status != ENABLED or not locked:
            raise StoreMisconfigured(
                f"bucket {self.bucket} must have versioning and object lock enabled (create it with object lock)",
                f"bucket {self.bucket} phải bật versioning và khóa đối tượng (object lock) khi tạo",
            )

    # --- the ObjectStore protocol -----------------------------------------------------------------
    def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str = "application/octet-stream",
        metadata: dict[str, str] | None = None,
        retain_until: datetime | None = None,
        legal_hold: bool = False,
    ) -> StoredObject:
        check_key(key)
        digest = sha256_hex(data)
        # No HEAD first: the conditional PUT is one round trip, and the server decides atomically.
        try:
            return self._write(key, data, digest, content_type, metadata, retain_until, legal_hold, create_only=True)
        except S3Error as e:
            if e.code in ("PreconditionFailed", "ConditionalRequestConflict"):
                # Another writer (or our own earlier attempt whose answer was lost) got there first.
                existing = self.stat(key)
                if existing is not None:
                    return self._same_or_conflict(existing, digest)
            raise self._fail(e, key) from e

    def _same_or_conflict(self, existing: StoredObject, digest: str) -> StoredObject:
        if existing.sha256 != digest:
            raise ObjectConflict(
                f"{existing.key} already holds different content; the warehouse is write-once",
                f"{existing.key} đã lưu nội dung khác; kho lưu trữ chỉ ghi một lần",
            )
        return existing

    def _write(
        self,
        key: str,
        data: bytes,
        digest: str,
        content_type: str,
        metadata: dict[str, str] | None,
        retain_until: datetime | None,
        legal_hold: bool,
        *,
        create_only: bool,
    ) -> StoredObject:
        meta = {k: quote(v, safe=" -_.:/+=@") for k, v in (metadata or {}).items()}
        meta[SHA_META] = digest
        retention = Retention(self.retention_mode, retain_until.astimezone(UTC)) if retain_until else None
        hold = legal_hold or self.legal_hold
        headers = genheaders(meta, self.sse, None, retention, hold)
        b64 = hex_to_b64(digest)
        headers["Content-Type"] = content_type
        headers["x-amz-sdk-checksum-algorithm"] = "SHA256"
        headers["x-amz-checksum-sha256"] = b64
        headers[_OWN_DIGEST] = digest
        if create_only:
            headers["If-None-Match"] = "*"
        # One PUT, whatever the size: atomic on the server, and the checksum covers the whole object.
        result = self._call("put " + key, lambda: self.client._put_object(self.bucket, key, data, dict(headers)))
        echoed = result.http_headers.get("x-amz-checksum-sha256")
        if echoed and echoed != b64:
            raise UploadDigestMismatch(
                f"{key}: the server recorded SHA-256 {b64_to_hex(echoed)}, we sent {digest}",
                f"{key}: máy chủ ghi mã băm {b64_to_hex(echoed)}, khác mã đã gửi {digest}",
            )
        return StoredObject(
            key,
            digest,
            len(data),
            content_type,
            datetime.now(UTC),
            retain_until,
            dict(metadata or {}),
            legal_hold=hold,
            retention_mode=self.retention_mode if retention else None,
            version_id=result.version_id,
        )

    def stat(self, key: str) -> StoredObject | None:
        check_key(key)
        try:
            o = self._call(
                "stat " + key,
                lambda: self.client.stat_object(self.bucket, key, extra_headers={"x-amz-checksum-mode": "ENABLED"}),
            )
        except S3Error as e:
            if e.code in _MISSING:
                return None
            raise self._fail(e, key) from e
        h = o.metadata  # every response header
        digest = self._recorded_sha256(h)
        until = h.get("x-amz-object-lock-retain-until-date")
        user = {
            k[len("x-amz-meta-") :].lower(): unquote(v)
            for k, v in h.items()
            if k.lower().startswith("x-amz-meta-") and k.lower() != "x-amz-meta-" + SHA_META
        }
        return StoredObject(
            key,
            digest or "",
            int(o.size or 0),
            o.content_type or "application/octet-stream",
            o.last_modified,
            datetime.fromisoformat(until.replace("Z", "+00:00")) if until else None,
            user,
            legal_hold=(h.get("x-amz-object-lock-legal-hold") or "").upper() == "ON",
            retention_mode=h.get("x-amz-object-lock-mode"),
            version_id=o.version_id,
        )

    @staticmethod
    def _recorded_sha256(headers: Mapping[str, str]) -> str | None:
        server = headers.get("x-amz-checksum-sha256")
        if server and "-" not in server:  # "-N" would be a composite multipart checksum
            return b64_to_hex(server)
        return headers.get("x-amz-meta-" + SHA_META) or headers.get("X-Amz-Meta-Sha256")

    def get(self, key: str, *, verify: bool = True) -> bytes:
        check_key(key)

        def fetch() -> tuple[bytes, dict[str, str]]:
            resp = self.client.get_object(self.bucket, key, request_headers={"x-amz-checksum-mode": "ENABLED"})
            try:
                return resp.read(), dict(resp.headers)
            finally:
                resp.close()
                resp.release_conn()

        try:
            data, headers = self._call("get " + key, fetch)
        except S3Error as e:
            raise self._fail(e, key) from e
        if verify:
            lower = {k.lower(): v for k, v in headers.items()}
            digest = sha256_hex(data)
            recorded = {d for d in (self._recorded_sha256(lower), lower.get("x-amz-meta-" + SHA_META)) if d}
            if not recorded or recorded != {digest}:
                raise ObjectCorrupted(
                    f"{key}: stored bytes do not match their SHA-256", f"{key}: dữ liệu lưu không khớp mã băm SHA-256"
                )
        return data

    def keys(self, prefix: str = "") -> Iterator[str]:
        try:
            objs = self._call(
                "list", lambda: list(self.client.list_objects(self.bucket, prefix=prefix or None, recursive=True))
            )
        except S3Error as e:
            raise self._fail(e, prefix) from e
        for o in objs:
            if o.object_name and not o.is_dir:
                yield o.object_name

    def locate(self, key: str) -> str:
        return f"s3://{self.bucket}/{check_key(key)}"

    def presigned_get(self, key: str, expires: timedelta) -> str | None:
        check_key(key)
        return self.client.presigned_get_object(self.bucket, key, expires=expires)

    def versions(self, key: str) -> list[str]:
        """Version ids of ``key``, newest first."""
        check_key(key)
        objs = self._call(
            "list versions",
            lambda: list(self.client.list_objects(self.bucket, prefix=key, include_version=True)),
        )
        return [o.version_id for o in objs if o.object_name == key and o.version_id]

    def delete(self, key: str) -> None:
        """Remove every version of ``key``: the server refuses while one is retained or under legal hold."""
        versions = self.versions(key)
        if not versions:
            raise ObjectMissing(f"{key} is not in the store", f"{key} không có trong kho")
        for vid in versions:
            try:
                self._call("delete " + key, lambda v=vid: self.client.remove_object(self.bucket, key, version_id=v))
            except S3Error as e:
                if e.code in ("AccessDenied", "ObjectLocked", "InvalidRequest") and self._locked(key, vid):
                    raise ObjectLocked(
                        f"the S3 server refused to delete {key} (version {vid}): it is under retention or "
                        f"legal hold ({e.code})",
                        f"máy chủ S3 từ chối xóa {key} (phiên bản {vid}): tài liệu đang trong thời hạn lưu trữ "
                        f"hoặc bị giữ pháp lý ({e.code})",
                    ) from e
                raise self._fail(e, key) from e

    def _locked(self, key: str, version_id: str) -> bool:
        """Whether a version is under retention or legal hold (else a refusal means missing permissions)."""
        try:
            o = self.client.stat_object(self.bucket, key, version_id=version_id)
        except MinioException:
            return True  # cannot tell: say what the server most likely meant
        until = o.metadata.get("x-amz-object-lock-retain-until-date")
        held = (o.metadata.get("x-amz-object-lock-legal-hold") or "").upper() == "ON"
        return held or (until is not None and datetime.fromisoformat(until.replace("Z", "+00:00")) > datetime.now(UTC))

    def restore(
        self, key: str, data: bytes, *, retain_until: datetime | None = None, legal_hold: bool = False
    ) -> StoredObject:
        """Put ``data`` back as the current version (the damaged version stays, retained, in the history),
        under the catalog's retention and hold — not the damaged version's, which may have none."""
        old = self.stat(key)
        until = max((t for t in (retain_until, old.retain_until if old else None) if t is not None), default=None)
        if until is not None and until < datetime.now(UTC):
            until = None
        try:
            return self._write(
                key,
                data,
                sha256_hex(data),
                old.content_type if old else "application/octet-stream",
                old.metadata if old else None,
                until,
                legal_hold or (old.legal_hold if old else False),
                create_only=False,
            )
        except S3Error as e:
            raise self._fail(e, key) from e

    def set_legal_hold(self, key: str, on: bool) -> None:
        try:
            fn = self.client.enable_object_legal_hold if on else self.client.disable_object_legal_hold
            self._call("legal hold " + key, lambda: fn(self.bucket, check_key(key)))
        except S3Error as e:
            raise self._fail(e, key) from e


__all__ = ["S3Store"]
