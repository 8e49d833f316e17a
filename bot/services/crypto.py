"""Encryption of secrets kept in the database (Plex tokens)."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

__all__ = ["InvalidToken", "TokenCipher"]


class TokenCipher:
    """Fernet (AES-128-CBC + HMAC-SHA256) with a key derived from SECRET_KEY."""

    def __init__(self, secret_key: str) -> None:
        if not secret_key:
            raise ValueError("SECRET_KEY is empty")
        # Domain-separated so the same SECRET_KEY used elsewhere gives a different key here.
        digest = hashlib.sha256(b"medianest-token-cipher\0" + secret_key.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def encrypt(self, text: str) -> str:
        """Encrypt text into an ASCII blob (different every call)."""
        return self._fernet.encrypt(text.encode()).decode("ascii")

    def decrypt(self, blob: str) -> str:
        """Decrypt a blob; raises InvalidToken when it was tampered with or the key changed."""
        return self._fernet.decrypt(blob.encode("ascii")).decode()
