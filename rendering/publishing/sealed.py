"""Secrets at rest (OAuth refresh tokens): Fernet, keyed from the project's SECRET_KEY through HKDF. No Django.

A distinct HKDF ``info`` per purpose means a leaked sealed value of one kind cannot be replayed as another.
Values are always sealed with the current key; reading also tries the fallbacks (the old keys during a
rotation, Django's ``SECRET_KEY_FALLBACKS``). A value no key opens raises :class:`SealError`, which says to
reconnect.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

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


def unseal(sealed: str, *, key_material: str, purpose: str, fallbacks: Sequence[str] = ()) -> str:
    """Open with the current key, else with each fallback key in turn."""
    for key in (key_material, *fallbacks):
        try:
            return _fernet(key, purpose).decrypt(sealed.encode("ascii")).decode()
        except (InvalidToken, ValueError):
            continue
    raise SealError(
        f"the stored {purpose} cannot be decrypted (SECRET_KEY changed and the old key is not in "
        "SECRET_KEY_FALLBACKS?): connect again"
    )
