"""The S3-compatible bucket that keeps stored files' bytes when S3_BUCKET is set (files.py
chooses; this module only talks to the bucket).

boto3 is imported on the first use, so a worker that keeps files in the database never
loads it. The client is made on the first use too, in the worker process that uses it
(boto3 clients are thread-safe, but are not to be shared across a fork).
"""
import uuid
from contextlib import contextmanager

from flask import current_app

# A tablet waits while a photo is kept: a store that does not answer fails the save
# within seconds instead of hanging the request.
CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 30
ATTEMPTS = 3


class Unavailable(Exception):
    """The bucket could not be reached, or did not do what was asked (the message says
    what boto3 reported, for the log)."""


def enabled() -> bool:
    """Whether new files go to a bucket (S3_BUCKET is set)."""
    return bool(current_app.config.get("S3_BUCKET"))


def put(data: bytes, mimetype: str) -> str:
    """Keep `data` in the bucket under a new random key (never a name a user chose);
    the key."""
    key = f"{current_app.config['S3_PREFIX']}{uuid.uuid4().hex}"
    with _errors():
        _client().put_object(Bucket=current_app.config["S3_BUCKET"], Key=key, Body=data,
                             ContentType=mimetype)
    return key


def delete(key: str) -> None:
    """Remove the object under `key`."""
    with _errors():
        _client().delete_object(Bucket=current_app.config["S3_BUCKET"], Key=key)


def get(key: str) -> bytes:
    """The bytes kept under `key`."""
    with _errors():
        answer = _client().get_object(Bucket=current_app.config["S3_BUCKET"], Key=key)
        return answer["Body"].read()


@contextmanager
def _errors():
    """boto3's failures (unreachable, refused, no such key, no credentials) as Unavailable."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except (BotoCoreError, ClientError) as error:
        raise Unavailable(f"{type(error).__name__}: {error}") from error


def _client():
    client = current_app.extensions.get("filestore")
    if client is None:
        import boto3  # here, not at the top: only workers that use a bucket load it
        from botocore.config import Config

        config = current_app.config
        client = boto3.session.Session().client(
            "s3",
            endpoint_url=config["S3_ENDPOINT_URL"],
            region_name=config["S3_REGION"],
            aws_access_key_id=config["S3_ACCESS_KEY_ID"],
            aws_secret_access_key=config["S3_SECRET_ACCESS_KEY"],
            config=Config(
                connect_timeout=CONNECT_TIMEOUT_S, read_timeout=READ_TIMEOUT_S,
                retries={"mode": "standard", "max_attempts": ATTEMPTS},
                s3={"addressing_style": config["S3_ADDRESSING_STYLE"] or "auto"},
                # Checksums only where S3 requires them: several S3-compatible stores
                # refuse the CRC32 headers boto3 sends by default. files.py checks each
                # file's SHA-256 when reading it back.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )
        current_app.extensions["filestore"] = client
    return client
