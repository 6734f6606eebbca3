"""Production refuses the committed SECRET_KEY; rotating the key keeps stored OAuth tokens readable."""

import os
import subprocess
import sys

import pytest

from config.env import production_secret_key_problem
from rendering.publishing.sealed import SealError, seal, unseal
from tests.conftest import ROOT

DEFAULT = "dev-only-insecure-key-set-SECRET_KEY-in-production"
GOOD = "k3Qf9-vX2pLr8sTz1wYb6nHc4mJd0aGe5uFo7iKq2hRt9xZy3sWv"


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("", "empty"),
        (DEFAULT, "development default"),
        ("django-insecure-" + GOOD, "django-insecure"),
        ("short-key", "too short"),
        ("a" * 60, "too simple"),
        (GOOD, None),
    ],
)
def test_production_secret_key_problem(key, problem):
    found = production_secret_key_problem(key, development_default=DEFAULT)
    assert (found is None) if problem is None else (problem in found)


def _load_settings(**env: str) -> subprocess.CompletedProcess:
    """Import the settings in a fresh process, as the server does at start."""
    base = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "SECRET_KEY_FALLBACKS", "DEBUG")}
    # A DATABASE_URL and REDIS_URL, so that loading the settings starts no embedded server.
    base |= {"DATABASE_URL": "postgres://nobody@127.0.0.1:9/none", "REDIS_URL": "redis://127.0.0.1:9/0"}
    code = "import config.settings as s; print('loaded', len(s.SECRET_KEY_FALLBACKS))"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=120
    )


def test_settings_refuse_the_default_key_with_debug_off(tmp_path):
    refused = _load_settings(DEBUG="0", STUDIO_VAR_DIR=str(tmp_path))
    short = _load_settings(DEBUG="0", SECRET_KEY="tiny", STUDIO_VAR_DIR=str(tmp_path))

    assert refused.returncode != 0 and "ImproperlyConfigured" in refused.stderr
    assert "development default" in refused.stderr and "SECRET_KEY_FALLBACKS" in refused.stderr
    assert short.returncode != 0 and "too short" in short.stderr


def test_settings_load_with_a_real_key_or_in_development(tmp_path):
    production = _load_settings(
        DEBUG="0", SECRET_KEY=GOOD, SECRET_KEY_FALLBACKS="old-1,old-2", STUDIO_VAR_DIR=str(tmp_path)
    )
    development = _load_settings(DEBUG="1", STUDIO_VAR_DIR=str(tmp_path))

    assert production.returncode == 0 and "loaded 2" in production.stdout, production.stderr
    assert development.returncode == 0, development.stderr


def test_unseal_tries_the_current_key_then_each_fallback():
    sealed_old = seal("refresh-1", key_material="old-key", purpose="token")

    assert unseal(sealed_old, key_material="new-key", fallbacks=["other", "old-key"], purpose="token") == "refresh-1"
    with pytest.raises(SealError, match="SECRET_KEY_FALLBACKS"):
        unseal(sealed_old, key_material="new-key", fallbacks=["other"], purpose="token")
    with pytest.raises(SealError):  # a fallback does not open a value sealed for another purpose
        unseal(sealed_old, key_material="new-key", fallbacks=["old-key"], purpose="other purpose")


@pytest.mark.django_db
def test_a_rotated_key_keeps_stored_tokens_readable_and_seals_new_ones_with_the_new_key(settings, user):
    from rendering.publishing.models import REFRESH_TOKEN_PURPOSE, YouTubeCredential

    settings.SECRET_KEY = "old-" + GOOD
    credential = YouTubeCredential(owner=user)
    credential.refresh_token = "stored-before-rotation"
    credential.save()

    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "new-" + GOOD, ["old-" + GOOD]
    stored = YouTubeCredential.objects.get(pk=credential.pk)
    assert stored.refresh_token == "stored-before-rotation"

    stored.refresh_token = "sealed-after-rotation"
    assert unseal(stored.sealed_refresh_token, key_material="new-" + GOOD, purpose=REFRESH_TOKEN_PURPOSE) == (
        "sealed-after-rotation"
    )
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(SealError):
        YouTubeCredential.objects.get(pk=credential.pk).refresh_token  # noqa: B018  (reading is the test)


@pytest.mark.django_db
def test_reseal_tokens_moves_stored_tokens_to_the_new_key_so_the_old_can_go(settings, user, other_user, capsys):
    from django.core.management import CommandError, call_command

    from rendering.publishing.models import YouTubeCredential

    settings.SECRET_KEY = "old-" + GOOD
    for owner, token in [(user, "token-a"), (other_user, "token-b")]:
        credential = YouTubeCredential(owner=owner)
        credential.refresh_token = token
        credential.save()
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "new-" + GOOD, ["old-" + GOOD]

    call_command("reseal_tokens")
    settings.SECRET_KEY_FALLBACKS = []

    assert "Re-sealed 2 token(s)" in capsys.readouterr().out
    assert sorted(c.refresh_token for c in YouTubeCredential.objects.all()) == ["token-a", "token-b"]
    settings.SECRET_KEY = "another-" + GOOD
    with pytest.raises(CommandError, match="cannot be read with any key"):
        call_command("reseal_tokens")


@pytest.mark.django_db
def test_reseal_tokens_moves_tiktok_tokens_too(settings, user, capsys):
    from django.core.management import call_command

    from rendering.publishing.models import TikTokCredential
    from rendering.publishing.tokens import tiktok_credential_save

    settings.SECRET_KEY = "old-" + GOOD
    tiktok_credential_save(owner=user, refresh_token="tiktok-refresh", access_token="tiktok-access", expires_in=3600)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "new-" + GOOD, ["old-" + GOOD]

    call_command("reseal_tokens")
    settings.SECRET_KEY_FALLBACKS = []

    assert "Re-sealed 1 token(s)" in capsys.readouterr().out
    credential = TikTokCredential.objects.get(owner=user)
    assert (credential.refresh_token, credential.access_token) == ("tiktok-refresh", "tiktok-access")
