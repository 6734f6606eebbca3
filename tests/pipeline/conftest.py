from tests.transcription.conftest import ingest, speech_stream, speech_video  # noqa: F401  (shared media)
