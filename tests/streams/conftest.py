from tests.rendering.conftest import s3_server  # noqa: F401  (a local S3 server, moto in server mode)
from tests.transcription.conftest import ingest, speech_stream, speech_video  # noqa: F401  (shared media)
