"""Where export archives go: the embedded S3-shaped directory, or an S3-compatible endpoint.

- Embedded (default): ``<data-dir>/s3/<bucket>/<key>``; with ``--in-memory`` a temporary
  directory ``workmail-local-s3-*`` made on the first export (each job's log line names it), with PostgreSQL ``s3`` in the per-user
  data directory. Buckets are directories, made on first use. Files are written whole
  (to a temporary name, then renamed), so a reader never sees half an archive.
- ``--s3-endpoint-url URL``: ``PutObject`` to that endpoint with botocore's S3 client (what
  boto3 wraps), path-style addressing, the credentials of the server's environment (the
  usual AWS chain) and the organization's region. A missing bucket or a refused upload
  fails the job with the endpoint's error.

The KMS key of a job is recorded, not applied: objects are written unencrypted.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Protocol

from workmail_local.config import Settings, default_data_dir


class UploadError(Exception):
    """The archive could not be written; ``str()`` is the job's ErrorInfo."""


class ObjectStore(Protocol):
    """Something that stores objects by bucket and key."""

    def put(self, region: str, bucket: str, key: str, data: bytes) -> str:
        """Store ``data``; where it went, for the log. Raises :class:`UploadError`."""
        ...


class LocalDirectory:
    """The embedded store: one file per object under ``root/<bucket>/<key>``; with no
    ``root``, a temporary directory made on the first upload (in-memory servers)."""

    def __init__(self, root: Path | None) -> None:
        self.root = root

    def put(self, region: str, bucket: str, key: str, data: bytes) -> str:
        try:
            if self.root is None:
                self.root = Path(tempfile.mkdtemp(prefix="workmail-local-s3-"))
            target = self.root / bucket / key
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(temporary, target)
        except OSError as exc:
            raise UploadError(f"Could not write s3://{bucket}/{key} to the local store {self.root}: "
                              f"{exc.strerror or exc}") from None
        return str(target)

    def __str__(self) -> str:
        if self.root is None:
            return "the embedded S3 directory, a temporary directory made on the first export (--in-memory)"
        return f"the embedded S3 directory {self.root}"


class Endpoint:
    """An S3-compatible endpoint reached with botocore."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._clients: dict[str, object] = {}

    def _client(self, region: str):  # noqa: ANN202 - a botocore S3 client
        if region not in self._clients:
            import botocore.session
            from botocore.config import Config

            session = botocore.session.get_session()
            self._clients[region] = session.create_client(
                "s3", endpoint_url=self.url, region_name=region,
                config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2},
                              connect_timeout=5, read_timeout=60))
        return self._clients[region]

    def put(self, region: str, bucket: str, key: str, data: bytes) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._client(region).put_object(Bucket=bucket, Key=key, Body=data)  # type: ignore[attr-defined]
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise UploadError(f"The S3 endpoint {self.url} refused the upload of s3://{bucket}/{key}: "
                              f"{error.get('Code', 'error')}: {error.get('Message', '')}".rstrip(": ")) from None
        except BotoCoreError as exc:
            raise UploadError(f"Could not upload s3://{bucket}/{key} to the S3 endpoint {self.url}: {exc}") from None
        return f"{self.url.rstrip('/')}/{bucket}/{key}"

    def __str__(self) -> str:
        return f"the S3 endpoint {self.url}"


def store_for(settings: Settings) -> ObjectStore:
    """The object store the settings call for (see the module docstring)."""
    if settings.s3_endpoint_url:
        return Endpoint(settings.s3_endpoint_url)
    if settings.in_memory:
        return LocalDirectory(None)
    data_dir = settings.resolved_data_dir or default_data_dir()
    return LocalDirectory(data_dir / "s3")
