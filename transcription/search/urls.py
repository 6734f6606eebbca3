from django.urls import path

from transcription.search import views

app_name = "search"

urlpatterns = [
    path("", views.search_page, name="page"),
    path("play/<int:clip_id>/", views.player, name="player"),
]
