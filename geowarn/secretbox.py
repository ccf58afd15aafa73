"""Webhook secrets encrypted at rest with the secret key (issue 14 #12).

The key is ``GEOWARN_SECRET_KEY``, else the random key kept in ``GEOWARN_DATA/secret_key``
(created 0600 on first use; the web app signs its sessions with the same key). A secret is
stored as ``fernet:<token>`` (AES-128-CBC + HMAC-SHA256, :class:`cryptography.fernet.Fernet`
keyed by the SHA-256 of the secret key); a value without the prefix is a secret written by an
older geowarn and is returned as it is.

>>> box = SecretBox("k" * 32)
>>> sealed = box.seal("okinawa-secret-123")
>>> sealed.startswith("fernet:") and "okinawa" not in sealed, box.open(sealed)
(True, 'okinawa-secret-123')
>>> box.open("plain-old-secret")
'plain-old-secret'
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from pathlib import Path

from geowarn.errors import StoreError

PREFIX = "fernet:"
KEY_FILE = "secret_key"


class SecretBox:
    """Seal and open short secrets with a key derived from ``secret_key``."""

    def __init__(self, secret_key: str) -> None:
        from cryptography.fernet import Fernet

        digest = hashlib.sha256(b"geowarn-secrets:" + secret_key.encode("utf-8")).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def seal(self, value: str) -> str:
        """Return ``fernet:<token>`` of ``value`` (an already sealed value is returned unchanged)."""
        if value.startswith(PREFIX):
            return value
        return PREFIX + self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def open(self, value: str) -> str:
        """Return the secret of a sealed value (a legacy clear value as it is).

        Raises :class:`StoreError` when the value was sealed with another key.
        """
        if not value.startswith(PREFIX):
            return value
        from cryptography.fernet import InvalidToken

        try:
            return self._fernet.decrypt(value[len(PREFIX) :].encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError):
            raise StoreError(
                "a webhook secret cannot be decrypted: it was sealed with another GEOWARN_SECRET_KEY "
                f"(or another {KEY_FILE} file)"
            ) from None


def persistent_key(data_dir: str | Path) -> str:
    """Return the random key kept in ``data_dir/secret_key`` (created 0600 when missing)."""
    path = Path(data_dir) / KEY_FILE
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{KEY_FILE}.{secrets.token_hex(4)}")
            tmp.write_text(secrets.token_hex(32), encoding="ascii")
            tmp.chmod(0o600)
            if path.exists():
                tmp.unlink()
            else:
                tmp.replace(path)
        return path.read_text(encoding="ascii").strip()
    except OSError as exc:
        raise StoreError(f"cannot keep the secret key in {path}: {exc.strerror}; set GEOWARN_SECRET_KEY") from None


def secret_key(explicit: str | None, data_dir: str | Path) -> str:
    """Return ``explicit`` (``GEOWARN_SECRET_KEY``), else :func:`persistent_key` of ``data_dir``."""
    return explicit or persistent_key(data_dir)
