from django.urls import path

from widgets import views

app_name = "widgets"

urlpatterns = [
    path("<int:widget_id>/", views.widget_page, name="page"),
    path("<int:widget_id>/control/", views.widget_control, name="control"),
]
