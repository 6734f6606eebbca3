"""OBS browser-source page (no login: the widget's access token is the key) and the streamer's control page."""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_http_methods

from widgets import services
from widgets.forms import WidgetSettingsForm
from widgets.models import StreamWidget


@xframe_options_exempt
def widget_page(request: HttpRequest, widget_id: int) -> HttpResponse:
    token = request.GET.get("token", "")
    widget = StreamWidget.objects.filter(id=widget_id).first()
    if widget is None or not token or not secrets.compare_digest(widget.access_token, token):
        # Still transparent: an error page painted over a live stream is worse than nothing.
        return render(request, "widgets/obs_denied.html", status=403)
    return render(request, "widgets/obs.html", {"widget": widget, "token": token})


@login_required
@require_http_methods(["GET", "POST"])
def widget_control(request: HttpRequest, widget_id: int) -> HttpResponse:
    widget = StreamWidget.objects.filter(id=widget_id, owner=request.user).first()
    if widget is None:
        raise Http404("No such widget")
    initial = {"title": widget.title, "active": widget.active, "config": widget.config}
    form = WidgetSettingsForm(initial=initial, widget_type=widget.type)
    if request.method == "POST" and "rotate_token" in request.POST:
        services.widget_rotate_token(widget_id=widget.id, user=request.user)
        return redirect("widgets:control", widget_id=widget.id)
    if request.method == "POST":
        form = WidgetSettingsForm(request.POST, widget_type=widget.type)
        if form.is_valid():
            services.widget_update(widget_id=widget.id, user=request.user, **form.cleaned_data)
            return redirect("widgets:control", widget_id=widget.id)
    page = reverse("widgets:page", args=[widget.id]) + "?" + urlencode({"token": widget.access_token})
    obs_url = request.build_absolute_uri(page)
    return render(request, "widgets/control.html", {"widget": widget, "form": form, "obs_url": obs_url})
