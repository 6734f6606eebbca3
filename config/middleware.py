"""Requests that no view can serve, refused before any view runs."""

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponseBadRequest


def _has_nul(request: HttpRequest) -> bool:
    return "\x00" in request.path or any(
        "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
    )


class RejectNulMiddleware:
    """A NUL (``%00``) in the path or query string is a 400: PostgreSQL refuses it in any text parameter,
    so a filter such as ``?search=a%00`` was a DataError (500) in the API and the admin alike."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self._acall(request)
        if _has_nul(request):
            return HttpResponseBadRequest("NUL characters are not allowed in the URL.", content_type="text/plain")
        return self.get_response(request)

    async def _acall(self, request):
        if _has_nul(request):
            return HttpResponseBadRequest("NUL characters are not allowed in the URL.", content_type="text/plain")
        return await self.get_response(request)
