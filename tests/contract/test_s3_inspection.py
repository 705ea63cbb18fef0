"""What an independent S3 client (boto3, as `aws s3api` would) sees of the warehouse on a real S3 server
(SeaweedFS on loopback): versioned, object-locked bucket; objects with their SHA-256 checksum, retention and legal
hold; refusals by the server itself — of deletes under retention, of overwrites, of bytes whose checksum does not
match, of a wrong secret."""

from __future__ import annotations

import base64
import hashlib
import socket
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError
from minio.error import S3Error

from archive.config import StoreConfig
from archive.errors import ObjectConflict, ObjectLocked, StorageUnavailable, StoreMisconfigured, UploadDigestMismatch
from archive.s3 import S3Store
from archive.store import open_store

pytest_plugins = ["tests.fixtures_s3"]


def b64sha(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


@pytest.fixture
def s3(s3_target) -> S3Store:
    return open_store(StoreConfig(url=s3_target.url))


def test_bucket_is_versioned_and_object_locked(s3, s3_server):
    b3 = s3_server.boto3()
    assert b3.get_bucket_versioning(Bucket=s3.bucket)["Status"] == "Enabled"
    lock = b3.get_object_lock_configuration(Bucket=s3.bucket)["ObjectLockConfiguration"]
    assert lock["ObjectLockEnabled"] == "Enabled"


def test_checksum_retention_and_hold_seen_by_boto3(s3, s3_server):
    data = b"%PDF-1.7 signed copy"
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3650)
    s3.put("owners/1/d/d.pdf", data, content_type="application/pdf", retain_until=until)
    s3.put("owners/1/d/d.json", b"{}", legal_hold=True)
    b3 = s3_server.boto3()
    head = b3.head_object(Bucket=s3.bucket, Key="owners/1/d/d.pdf", ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"] == b64sha(data)
    assert head["Metadata"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert head["ContentType"] == "application/pdf"
    assert head["ObjectLockMode"] == "COMPLIANCE" and head["ObjectLockRetainUntilDate"].astimezone(UTC) == until
    retention = b3.get_object_retention(Bucket=s3.bucket, Key="owners/1/d/d.pdf")["Retention"]
    assert retention["Mode"] == "COMPLIANCE" and retention["RetainUntilDate"].astimezone(UTC) == until
    assert b3.get_object_legal_hold(Bucket=s3.bucket, Key="owners/1/d/d.json")["LegalHold"]["Status"] == "ON"


def test_server_refuses_delete_and_overwrite_of_locked_object(s3, s3_server):
    s3.put("k/locked", b"v1", retain_until=datetime.now(UTC) + timedelta(days=1))
    b3 = s3_server.boto3()
    version = b3.head_object(Bucket=s3.bucket, Key="k/locked")["VersionId"]
    with pytest.raises(ClientError) as e:  # the server itself, not our code, refuses
        b3.delete_object(Bucket=s3.bucket, Key="k/locked", VersionId=version)
    assert e.value.response["Error"]["Code"] == "AccessDenied"
    with pytest.raises(ClientError) as e:  # a conditional overwrite, as our store sends it
        b3.put_object(Bucket=s3.bucket, Key="k/locked", Body=b"v2", IfNoneMatch="*")
    assert e.value.response["Error"]["Code"] == "PreconditionFailed"
    with pytest.raises(ObjectLocked, match="refused to delete"):
        s3.delete("k/locked")
    with pytest.raises(ObjectConflict):
        s3.put("k/locked", b"v2")


def test_versioning_keeps_the_original_under_a_forced_overwrite(s3, s3_server):
    s3.put("k/v", b"original", retain_until=datetime.now(UTC) + timedelta(days=1))
    b3 = s3_server.boto3()
    b3.put_object(Bucket=s3.bucket, Key="k/v", Body=b"tampered")  # unconditional: a new version
    versions = b3.list_object_versions(Bucket=s3.bucket, Prefix="k/v")["Versions"]
    assert len(versions) == 2
    oldest = next(v for v in versions if not v["IsLatest"])
    body = b3.get_object(Bucket=s3.bucket, Key="k/v", VersionId=oldest["VersionId"])["Body"].read()
    assert body == b"original"
    assert len(s3.versions("k/v")) == 2


def test_governance_mode(s3_target, s3_server):
    s3 = open_store(StoreConfig(url=s3_target.url, retention_mode="GOVERNANCE"))
    s3.put("k/g", b"x", retain_until=datetime.now(UTC) + timedelta(days=1))
    head = s3_server.boto3().head_object(Bucket=s3.bucket, Key="k/g")
    assert head["ObjectLockMode"] == "GOVERNANCE"
    with pytest.raises(ObjectLocked):  # without the bypass permission, governance holds as well
        s3.delete("k/g")


def test_sse_s3_is_requested(moto_server, s3_bucket):
    """moto: this SeaweedFS is started without a key-management service, so it cannot encrypt with SSE-S3."""
    s3 = open_store(StoreConfig(url=f"s3://{s3_bucket}", sse="s3"), environ=moto_server.env())
    s3.put("k/e", b"x", retain_until=datetime.now(UTC) + timedelta(days=1))
    head = moto_server.boto3().head_object(Bucket=s3_bucket, Key="k/e")
    assert head.get("ServerSideEncryption") == "AES256"


def test_existing_bucket_without_object_lock_is_refused(s3_server, s3_bucket, s3_env):
    s3_server.boto3().create_bucket(Bucket=s3_bucket)
    with pytest.raises(StoreMisconfigured, match="object lock"):
        open_store(StoreConfig(url=f"s3://{s3_bucket}"))


def test_missing_endpoint_is_a_configuration_error(s3_bucket):
    with pytest.raises(StoreMisconfigured, match="SOHOA_S3_ENDPOINT"):
        open_store(StoreConfig(url=f"s3://{s3_bucket}"), environ={})


def test_unreachable_server_is_retryable(s3_bucket):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there
    with pytest.raises(StorageUnavailable) as e:
        S3Store(s3_bucket, f"127.0.0.1:{port}", "k", "s", secure=False, retries=2, backoff_s=0.01)
    assert e.value.retryable and "unreachable" in str(e.value)


def test_bytes_damaged_in_transit_are_refused_by_the_server(s3, s3_server, monkeypatch):
    """The checksum sent is that of other bytes (as if the body were damaged on the way): the server verifies
    it and refuses (BadDigest), which becomes a retryable transfer error; nothing is stored."""
    import archive.s3 as s3_module

    real = s3_module.sha256_hex
    monkeypatch.setattr(s3_module, "sha256_hex", lambda data: real(data + b"damage"))
    with pytest.raises(UploadDigestMismatch) as e:
        s3.put("k/damaged", b"the bytes that left")
    assert e.value.retryable
    monkeypatch.undo()
    assert s3.stat("k/damaged") is None
    # other servers name it XAmzContentChecksumMismatch: the same error
    err = S3Error(None, "XAmzContentChecksumMismatch", "checksum mismatch", "k", "r", "h")
    assert isinstance(s3._fail(err, "k/x"), UploadDigestMismatch)


def test_a_wrong_secret_is_refused(s3_server, s3_bucket):
    env = {**s3_server.env(), "SOHOA_S3_SECRET_KEY": "not-the-secret"}
    with pytest.raises(StoreMisconfigured):
        open_store(StoreConfig(url=f"s3://{s3_bucket}"), environ=env)


def test_client_signs_with_the_digest_it_already_has(s3):
    """The payload hash we give the SDK is the one it would have computed (so signatures stay valid)."""
    from minio import Minio
    from minio.credentials import Credentials

    from archive.s3 import _OWN_DIGEST

    body = b"%PDF-1.7 some bytes"
    creds = Credentials("k", "s")
    ours, _ = s3.client._build_headers("h:1", {_OWN_DIGEST: hashlib.sha256(body).hexdigest()}, body, creds)
    sdk, _ = Minio._build_headers(s3.client, "h:1", {}, body, creds)
    assert _OWN_DIGEST not in ours
    for h in ("Host", "Content-Length", "x-amz-content-sha256"):
        assert ours[h] == sdk[h]


def test_https_put_sends_unsigned_payload_and_md5():
    from minio.credentials import Credentials

    from archive.s3 import _OWN_DIGEST, _Client

    client = _Client("s3.example.vn:443", access_key="k", secret_key="s", secure=True, region="us-east-1")
    body = b"bytes"
    headers, _ = client._build_headers(
        "h", {_OWN_DIGEST: hashlib.sha256(body).hexdigest()}, body, Credentials("k", "s")
    )
    assert headers["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD"
    assert headers["Content-MD5"] == base64.b64encode(hashlib.md5(body).digest()).decode()
