"""Secrets at rest (OAuth refresh tokens): Fernet, keyed from the project's SECRET_KEY through HKDF. No Django.

A distinct HKDF ``info`` per purpose means a leaked sealed value of one kind cannot be replayed as another.
Changing SECRET_KEY makes existing sealed values unreadable: :class:`SealError` says to reconnect.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class SealError(ValueError):
    pass


def _fernet(key_material: str, purpose: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"stream-studio:{purpose}".encode()).derive(
        key_material.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: str, *, key_material: str, purpose: str) -> str:
    return _fernet(key_material, purpose).encrypt(secret.encode()).decode("ascii")


def unseal(sealed: str, *, key_material: str, purpose: str) -> str:
    try:
        return _fernet(key_material, purpose).decrypt(sealed.encode("ascii")).decode()
    except (InvalidToken, ValueError):
        raise SealError(f"the stored {purpose} cannot be decrypted (SECRET_KEY changed?): connect again") from None
