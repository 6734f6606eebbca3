from django.urls import path

from episodes import views

app_name = "review"

urlpatterns = [
    path("streams/<int:stream_id>/", views.review_page, name="stream"),
]
