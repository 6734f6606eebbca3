from django.urls import path

from chat.views import eventsub_webhook

app_name = "chat"
urlpatterns = [
    path("eventsub/", eventsub_webhook, name="eventsub"),
]
