"""Property-based fuzzing of the whole REST API from its own schema: no input may cause a server error.

Schemathesis generates requests for every operation in the schema that ``/api/schema/`` serves and
sends them, authenticated with a user's token, through Django's WSGI handler (in process, on the test
database, over records the user owns). ``API_FUZZ_EXAMPLES`` sets the examples per operation;
``benchmarks/api_fuzz.py`` runs a
larger fuzz and counts the operations that answered 5xx.
"""

import json
import os

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token

from episodes.models import Episode, Project
from streams.models import Series, Stream, VideoClip
from tests.chat.conftest import fake_twitch  # noqa: F401  (fixture: Helix calls answered locally, not a 502)
from transcription.models import ClipSummary, Segment, StreamSummary, Transcript
from widgets.models import StreamWidget

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "5"))


@pytest.fixture
def fuzz_token(db, user) -> str:
    """The user's token, with one record of each kind for the generated requests to find."""
    series = Series.objects.create(owner=user, name="Show")
    stream = Stream.objects.create(owner=user, title="Stream", series=series, duration=60)
    clip = VideoClip.objects.create(stream=stream, order=0, file="clips/a.mp4", original_name="a.mp4", duration=60)
    transcript = Transcript.objects.create(clip=clip, language="en", text="Hi.")
    Segment.objects.create(transcript=transcript, index=0, start=0, end=1, text="Hi.")
    ClipSummary.objects.create(clip=clip, title="Hi", keywords=["hi"])
    StreamSummary.objects.create(stream=stream, title="Hi")
    project = Project.objects.create(owner=user, title="Project", series=series)
    Episode.objects.create(owner=user, stream=stream, project=project, title="Episode", tracks=[{"start": 0, "end": 5}])
    StreamWidget.objects.create(owner=user, title="Timer", type="countdown")
    return Token.objects.create(user=user).key


def api_schema() -> schemathesis.schemas.BaseSchema:
    """The schema ``/api/schema/`` serves, generated here: no request (hence no database) at collection."""
    document = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    loaded = schemathesis.openapi.from_dict(document)
    loaded.app = WSGIHandler()
    return loaded


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # Django's own test client does the same: a request must not close the test transaction's connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


schema = api_schema()


@pytest.mark.slow
@schema.parametrize()
@hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_request_causes_a_server_error(case, fuzz_token, fake_twitch):  # noqa: F811
    response = case.call(headers={"Authorization": f"Token {fuzz_token}"})

    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code}\n{case}"
