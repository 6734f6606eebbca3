"""Who is asking, for plain Django views that API clients also call (health, media)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed


def request_user(request):
    """The session's user, else the user of an ``Authorization: Token ...`` header, else anonymous."""
    if request.user.is_authenticated:
        return request.user
    try:
        found = TokenAuthentication().authenticate(request)
    except AuthenticationFailed:
        return AnonymousUser()
    return found[0] if found else AnonymousUser()
