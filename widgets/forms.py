from django import forms

from widgets import state as machines


class WidgetSettingsForm(forms.Form):
    """The control page's settings: title, on/off, config as JSON (validated by the widget's state machine)."""

    title = forms.CharField(max_length=200)
    active = forms.BooleanField(required=False)
    config = forms.JSONField(help_text="For a countdown: duration (s), text, title.")

    def __init__(self, *args, widget_type: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.widget_type = widget_type

    def clean_config(self) -> dict:
        try:
            return machines.validate_config(self.widget_type, self.cleaned_data["config"])
        except machines.WidgetStateError as error:
            raise forms.ValidationError(str(error)) from None
