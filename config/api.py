"""The REST API's router: each app registers its owner-scoped viewsets here."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()
