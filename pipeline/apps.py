from django.apps import AppConfig
from django.core import checks


class PipelineConfig(AppConfig):
    name = "pipeline"

    def ready(self) -> None:
        checks.register(check_ffmpeg)


def check_ffmpeg(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A configured FFMPEG_BINARY that is missing or too old stops ``manage.py`` at start, not a render later."""
    from pipeline.ffmpeg import FFmpegUnsupported, ffmpeg_binary

    try:
        ffmpeg_binary()
    except FFmpegUnsupported as error:
        return [checks.Error(str(error), id="pipeline.E001")]
    return []
