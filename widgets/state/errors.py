"""Errors raised by the widget state machines; their message is shown to the streamer as is."""


class WidgetStateError(ValueError):
    """An action or config the widget cannot take (unknown action, bad payload, bad config)."""
