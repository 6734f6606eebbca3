"""OAuth credentials: stored sealed (``rendering.publishing.sealed``), read back for the clients, re-sealed on a key
rotation. TikTok's short-lived access token is kept (sealed too) and refreshed only when it is about to expire."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from rendering.publishing.models import TikTokCredential, YouTubeCredential
from rendering.publishing.sealed import SealError
from rendering.publishing.tiktok import TikTokClient, TikTokError, TokenGrant

# An access token this close to its expiry is refreshed first: an upload must not lose it half-way.
ACCESS_TOKEN_MARGIN = timedelta(minutes=10)


class CredentialError(Exception):
    """No usable credential: the streamer must connect (again). The message says what to do."""


def youtube_credential_save(*, owner, refresh_token: str, channel_title: str = "") -> YouTubeCredential:
    """Store (or replace) a user's refresh token, encrypted."""
    if not refresh_token.strip():
        raise CredentialError("refresh_token: empty")
    credential = YouTubeCredential.objects.filter(owner=owner).first() or YouTubeCredential(owner=owner)
    credential.refresh_token = refresh_token.strip()
    credential.channel_title = channel_title
    credential.save()
    return credential


def youtube_refresh_token(owner) -> str:
    credential = YouTubeCredential.objects.filter(owner=owner).first()
    if credential is not None:
        try:
            return credential.refresh_token
        except SealError as error:
            raise CredentialError(str(error)) from None
    if settings.YOUTUBE_REFRESH_TOKEN:
        return settings.YOUTUBE_REFRESH_TOKEN
    raise CredentialError(f"{owner} has connected no YouTube account (and YOUTUBE_REFRESH_TOKEN is unset)")


def tiktok_credential_save(
    *, owner, refresh_token: str, open_id: str = "", access_token: str = "", expires_in: int | None = None
) -> TikTokCredential:
    """Store (or replace) a user's TikTok tokens, encrypted; an access token without a lifetime is not kept."""
    if not refresh_token.strip():
        raise CredentialError("refresh_token: empty")
    credential = TikTokCredential.objects.filter(owner=owner).first() or TikTokCredential(owner=owner)
    credential.refresh_token = refresh_token.strip()
    credential.open_id = open_id
    keep_access = bool(access_token and expires_in)
    credential.access_token = access_token if keep_access else ""
    credential.access_expires_at = timezone.now() + timedelta(seconds=expires_in) if keep_access else None
    credential.save()
    return credential


def tiktok_access_token(*, owner, client: TikTokClient, force_refresh: bool = False) -> str:
    """A valid access token for ``owner``: the stored one while it lasts, else a refreshed one (stored sealed,
    with the new refresh token TikTok may hand back). Raises :class:`CredentialError` when the streamer must
    connect again (no credential, a key rotation lost it, TikTok revoked or expired the refresh token)."""
    credential = TikTokCredential.objects.filter(owner=owner).first()
    if credential is None:
        raise CredentialError(f"{owner} has connected no TikTok account: store a refresh token first")
    try:
        fresh = credential.access_expires_at and credential.access_expires_at > timezone.now() + ACCESS_TOKEN_MARGIN
        if fresh and not force_refresh and credential.access_token:
            return credential.access_token
        refresh_token = credential.refresh_token
    except SealError as error:
        raise CredentialError(str(error)) from None
    try:
        grant = client.refresh(refresh_token)
    except TikTokError as error:
        if error.transient:
            raise
        raise CredentialError(str(error)) from None
    _store_grant(credential, grant)
    return grant.access_token


def _store_grant(credential: TikTokCredential, grant: TokenGrant) -> None:
    now = timezone.now()
    credential.access_token = grant.access_token
    credential.access_expires_at = now + timedelta(seconds=grant.expires_in)
    if grant.refresh_token:
        credential.refresh_token = grant.refresh_token
    if grant.refresh_expires_in:
        credential.refresh_expires_at = now + timedelta(seconds=grant.refresh_expires_in)
    credential.open_id = grant.open_id or credential.open_id
    credential.scope = grant.scope or credential.scope
    credential.save()


def credentials_reseal() -> tuple[int, list[str]]:
    """Re-seal each stored token (read with SECRET_KEY or a fallback) with SECRET_KEY alone.

    Returns how many credentials were re-sealed and a line per credential no key opens (its owner must
    reconnect). Once nothing is left unreadable, the old keys can leave SECRET_KEY_FALLBACKS.
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
    for credential in TikTokCredential.objects.select_related("owner").order_by("id"):
        try:
            credential.refresh_token = credential.refresh_token
            credential.access_token = credential.access_token
        except SealError as error:
            unreadable.append(f"{credential.owner} (TikTok): {error}")
            continue
        credential.save(update_fields=["sealed_refresh_token", "sealed_access_token", "updated_at"])
        resealed += 1
    return resealed, unreadable
