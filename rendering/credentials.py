"""Key rotation for sealed OAuth tokens: re-seal every stored token with the current SECRET_KEY."""

from __future__ import annotations

from rendering.models import YouTubeCredential
from rendering.sealed import SealError


def credentials_reseal() -> tuple[int, list[str]]:
    """Re-seal each stored token (read with SECRET_KEY or a fallback) with SECRET_KEY alone.

    Returns how many were re-sealed and a line per credential no key opens (its owner must reconnect).
    Once nothing is left unreadable, the old keys can leave SECRET_KEY_FALLBACKS.
    """
    resealed, unreadable = 0, []
    for credential in YouTubeCredential.objects.select_related("owner").order_by("id"):
        try:
            credential.refresh_token = credential.refresh_token
        except SealError as error:
            unreadable.append(f"{credential.owner}: {error}")
            continue
        credential.save(update_fields=["sealed_refresh_token", "updated_at"])
        resealed += 1
    return resealed, unreadable
