"""Encryption of secrets kept in the database (Plex tokens).

cryptography (6 MiB resident with its OpenSSL bindings) is imported by the first token
encrypted or decrypted, not at start: an idle bot holds no token in the clear.
"""

from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

__all__ = ["InvalidToken", "TokenCipher"]


class InvalidToken(Exception):
    """A blob that was tampered with, or encrypted under another SECRET_KEY."""


class TokenCipher:
    """Fernet (AES-128-CBC + HMAC-SHA256) with a key derived from SECRET_KEY."""

    def __init__(self, secret_key: str) -> None:
        if not secret_key:
            raise ValueError("SECRET_KEY is empty")
        # Domain-separated so the same SECRET_KEY used elsewhere gives a different key here.
        digest = hashlib.sha256(b"medianest-token-cipher\0" + secret_key.encode()).digest()
        self._key = base64.urlsafe_b64encode(digest)
        self._made: Fernet | None = None

    def _fernet(self) -> Fernet:
        if self._made is None:
            from cryptography.fernet import Fernet

            self._made = Fernet(self._key)
        return self._made

    def encrypt(self, text: str) -> str:
        """Encrypt text into an ASCII blob (different every call)."""
        return self._fernet().encrypt(text.encode()).decode("ascii")

    def decrypt(self, blob: str) -> str:
        """Decrypt a blob; raises InvalidToken when it was tampered with or the key changed."""
        from cryptography.fernet import InvalidToken as Rejected

        try:
            return self._fernet().decrypt(blob.encode("ascii")).decode()
        except Rejected as exc:
            raise InvalidToken from exc  # no message, as cryptography's own
