"""The EventSub webhook through Django (runserver, test client); ``config/asgi.py`` serves it without
Django's middleware in production (see ``chat.webhook``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from chat.webhook import handle


@csrf_exempt
@require_POST
async def eventsub_webhook(request: HttpRequest) -> HttpResponse:
    reply = await handle(request.headers, request.body)
    response = HttpResponse(reply.text, status=reply.status, content_type="text/plain; charset=utf-8")
    if not reply.text:
        del response["Content-Type"]
    for name, value in reply.headers.items():
        response[name] = value
    return response
