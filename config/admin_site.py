"""The admin site: the streamer's work first on the index, API tokens owned like everything else.

Installed as ``config.admin_site.StudioAdminConfig`` in place of ``django.contrib.admin``, so ``admin.site`` and
``@admin.register`` keep working and point at ``StudioAdminSite``.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig

# The order a streamer works in; apps and models not named here follow, alphabetically (accounts come last).
APP_ORDER = ["streams", "episodes", "widgets", "chat", "transcription", "pipeline", "rendering"]
MODEL_ORDER = ["Stream", "Series", "VideoClip", "ClipAnalysis", "Episode", "Project"]


def _position(order: list[str], name: str) -> tuple[int, str]:
    return (order.index(name), "") if name in order else (len(order), name.lower())


class StudioAdminSite(admin.AdminSite):
    site_header = "Stream Studio"
    site_title = "Stream Studio"
    index_title = "Recordings, episodes and live widgets"

    def get_app_list(self, request, app_label=None):
        apps = sorted(
            self._build_app_dict(request, app_label).values(),
            key=lambda app: _position(APP_ORDER, app["app_label"]),
        )
        for app in apps:
            app["models"].sort(key=lambda model: _position(MODEL_ORDER, model["object_name"]))
        return apps


class StudioAdminConfig(AdminConfig):
    default_site = "config.admin_site.StudioAdminSite"

    def ready(self) -> None:
        super().ready()
        _own_api_tokens()


def _own_api_tokens() -> None:
    """DRF's token admin shows every user's API key to anyone with view permission: scope it to its user."""
    from rest_framework.authtoken.admin import TokenAdmin
    from rest_framework.authtoken.models import TokenProxy

    from config.admin_ownership import OwnedAdmin

    class OwnedTokenAdmin(OwnedAdmin, TokenAdmin):
        owner_field = "user"

    if admin.site.is_registered(TokenProxy):
        admin.site.unregister(TokenProxy)
        admin.site.register(TokenProxy, OwnedTokenAdmin)
