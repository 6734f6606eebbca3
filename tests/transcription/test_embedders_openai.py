"""The OpenAI-compatible embeddings client against a local server speaking ``/v1/embeddings``."""

import socket
import subprocess
import sys

import numpy as np
import pytest

from tests.transcription.fake_openai import vector_for
from transcription.search.embedders import EmbeddingError, LocalEmbedder, OpenAIEmbedder, embedder_from_settings

KEY = "sk-test-never-log-me"


def expected(texts: list[str], dimensions: int = 8) -> np.ndarray:
    vectors = np.asarray([vector_for(text, dimensions) for text in texts], dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture
def client(fake_embeddings):
    def make(**options) -> OpenAIEmbedder:
        options = {"api_key": KEY, "backoff": 0.01, "max_retries": 2, "time_limit": 5.0, **options}
        return OpenAIEmbedder(base_url=fake_embeddings.base_url, model_name="text-embedding-3-small", **options)

    return make


def test_texts_come_back_as_unit_vectors_in_input_order_and_the_length_is_learned(fake_embeddings, client):
    embedder = client()
    assert embedder.dimensions == 0

    vectors = embedder.embed(["borrow checker", "lifetimes", "cave build"])

    np.testing.assert_allclose(vectors, expected(["borrow checker", "lifetimes", "cave build"]), rtol=1e-5)
    assert vectors.dtype == np.float32 and embedder.dimensions == 8
    (seen,) = fake_embeddings.seen
    assert seen.body == {"model": "text-embedding-3-small", "input": ["borrow checker", "lifetimes", "cave build"]}
    assert seen.authorization == f"Bearer {KEY}"


def test_many_texts_go_in_batches(fake_embeddings, client):
    texts = [f"sentence {n}" for n in range(5)]

    vectors = client(batch_size=2).embed(texts)

    assert fake_embeddings.inputs() == [texts[0:2], texts[2:4], texts[4:5]]
    np.testing.assert_allclose(vectors, expected(texts), rtol=1e-5)


def test_a_reply_in_another_order_is_put_back_by_index(fake_embeddings, client):
    fake_embeddings.then(change=lambda reply: {**reply, "data": reply["data"][::-1]})

    np.testing.assert_allclose(client().embed(["one", "two", "three"]), expected(["one", "two", "three"]), rtol=1e-5)


def test_shorter_vectors_are_asked_for_when_configured(fake_embeddings, client):
    embedder = client(requested_dimensions=4)

    vectors = embedder.embed(["hello"])

    assert fake_embeddings.seen[0].body["dimensions"] == 4
    assert vectors.shape == (1, 4) and embedder.dimensions == 4


def test_a_rate_limit_waits_as_told_then_succeeds(fake_embeddings, client):
    fake_embeddings.then(429, {"error": {"message": "Rate limit reached"}}, headers={"Retry-After": "0"})

    vectors = client().embed(["hello"])

    assert [seen.status for seen in fake_embeddings.seen] == [429, 200]
    np.testing.assert_allclose(vectors, expected(["hello"]), rtol=1e-5)


def test_server_errors_back_off_and_succeed(fake_embeddings, client):
    fake_embeddings.then(500).then(503)

    client().embed(["hello"])

    assert [seen.status for seen in fake_embeddings.seen] == [500, 503, 200]


def test_a_server_that_keeps_failing_fails_the_call_after_the_bounded_tries(fake_embeddings, client):
    for _ in range(5):
        fake_embeddings.then(502, {"error": {"message": "Bad gateway"}})

    with pytest.raises(EmbeddingError, match=r"HTTP 502: Bad gateway \(gave up after 3 tries\)"):
        client().embed(["hello"])
    assert len(fake_embeddings.seen) == 3


def test_a_rate_limit_longer_than_a_step_waits_fails_at_once(fake_embeddings, client):
    fake_embeddings.then(429, {"error": {"message": "Quota exceeded"}}, headers={"Retry-After": "3600"})

    with pytest.raises(EmbeddingError, match="asks to wait 3600 s, more than the 60 s"):
        client().embed(["hello"])
    assert len(fake_embeddings.seen) == 1


@pytest.mark.parametrize("api_key", ["sk-wrong-key", ""])
def test_a_refused_key_is_not_retried_and_never_shown(fake_embeddings, client, api_key):
    with pytest.raises(EmbeddingError, match="HTTP 401: Incorrect API key provided") as failure:
        client(api_key=api_key).embed(["hello"])
    assert len(fake_embeddings.seen) == 1
    assert KEY not in str(failure.value) and (not api_key or api_key not in str(failure.value))


def test_a_bad_request_is_not_retried(fake_embeddings, client):
    with pytest.raises(EmbeddingError, match="HTTP 400: 'input' must be a non-empty list of non-empty strings"):
        client().embed(["fine", ""])
    assert len(fake_embeddings.seen) == 1


def test_a_wrong_base_url_says_so(fake_embeddings):
    embedder = OpenAIEmbedder(base_url=fake_embeddings.base_url + "/nope", model_name="m", api_key=KEY)

    with pytest.raises(EmbeddingError, match=r"/v1/nope/embeddings \(model m\): HTTP 404: Invalid URL"):
        embedder.embed(["hello"])


def _replace_vector(number: int, value):
    def change(reply: dict) -> dict:
        data = [dict(item) for item in reply["data"]]
        data[number]["embedding"] = value
        return {**reply, "data": data}

    return change


@pytest.mark.parametrize(
    ("scripted", "message"),
    [
        ({"body": "<html>Bad gateway</html>"}, "the reply is not JSON: '<html>Bad gateway</html>'"),
        ({"body": {"data": "none"}}, r"the reply has no data\[\] list"),
        ({"change": lambda reply: {**reply, "data": reply["data"][:1]}}, "the reply has 1 embeddings for 2 texts"),
        ({"change": _replace_vector(1, [1.0, 2.0])}, r"differ in length \(\[2, 8\]\)"),
        ({"change": _replace_vector(1, ["a"] * 8)}, "holds something other than numbers"),
        ({"change": _replace_vector(1, None)}, "is not a list of numbers"),
        ({"change": _replace_vector(0, [0.0] * 8)}, "all zeros or not finite"),
        (
            {"change": lambda reply: {**reply, "data": [{**item, "index": 0} for item in reply["data"]]}},
            r"data\[\].index values are not 0..1",
        ),
    ],
)
def test_a_malformed_reply_is_refused_with_what_was_wrong(fake_embeddings, client, scripted, message):
    fake_embeddings.then(**scripted)

    with pytest.raises(EmbeddingError, match=message):
        client().embed(["hello", "world"])
    assert len(fake_embeddings.seen) == 1


def test_a_model_whose_length_changes_between_replies_is_refused(fake_embeddings, client):
    embedder = client()
    embedder.embed(["hello"])
    fake_embeddings.then(change=_replace_vector(0, [0.5] * 16))

    with pytest.raises(EmbeddingError, match="embeddings of 16 dimensions where 8 came before"):
        embedder.embed(["again"])


def test_a_silent_server_times_out_and_is_tried_again(fake_embeddings, client):
    fake_embeddings.then(delay=1.0)

    vectors = client(time_limit=0.2).embed(["hello"])

    assert fake_embeddings.received == 2
    np.testing.assert_allclose(vectors, expected(["hello"]), rtol=1e-5)


def test_a_reply_trickling_in_past_the_time_limit_is_cut_off_and_tried_again(fake_embeddings, client):
    fake_embeddings.then(trickle=0.15)  # every byte within the limit, the whole reply well past it

    vectors = client(time_limit=0.5).embed(["hello"])

    assert fake_embeddings.received == 2
    np.testing.assert_allclose(vectors, expected(["hello"]), rtol=1e-5)


def test_a_server_that_times_out_every_time_fails_with_the_limit(fake_embeddings, client):
    for _ in range(2):
        fake_embeddings.then(delay=0.6)

    with pytest.raises(EmbeddingError, match=r"no reply within 0.2 s \(gave up after 2 tries\)"):
        client(time_limit=0.2, max_retries=1).embed(["hello"])


def test_nothing_listening_fails_with_the_reason():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    embedder = OpenAIEmbedder(base_url=f"http://127.0.0.1:{port}/v1", model_name="m", backoff=0.01, max_retries=1)

    with pytest.raises(EmbeddingError, match=r"connection failed: .*refused.* \(gave up after 2 tries\)"):
        embedder.embed(["hello"])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"base_url": ""}, "OPENAI_BASE_URL is empty"),
        ({"model_name": ""}, "EMBEDDING_MODEL is empty"),
        ({"batch_size": 0}, "EMBEDDING_BATCH_SIZE=0"),
    ],
)
def test_impossible_settings_are_refused(options, message):
    with pytest.raises(EmbeddingError, match=message):
        OpenAIEmbedder(**{"base_url": "http://127.0.0.1:9/v1", "model_name": "m", **options})


def test_settings_pick_the_engine(settings, fake_embeddings):
    assert isinstance(embedder_from_settings(), LocalEmbedder)

    settings.EMBEDDING_ENGINE, settings.EMBEDDING_MODEL = "openai", "nomic-embed-text"
    settings.OPENAI_BASE_URL, settings.OPENAI_API_KEY = fake_embeddings.base_url, KEY
    embedder = embedder_from_settings()

    assert isinstance(embedder, OpenAIEmbedder) and embedder.model_name == "nomic-embed-text"
    assert embedder.embed(["hello"]).shape == (1, 8)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"EMBEDDING_ENGINE": "magic"}, "EMBEDDING_ENGINE='magic': choose local or openai"),
        ({"EMBEDDING_MODEL": "bge-large"}, "the local engine runs the bundled all-MiniLM-L6-v2"),
        ({"EMBEDDING_DEVICE": "tpu"}, "EMBEDDING_DEVICE='tpu': choose auto, cpu or cuda"),
    ],
)
def test_bad_engine_settings_say_what_to_choose(settings, changes, message):
    for name, value in changes.items():
        setattr(settings, name, value)

    with pytest.raises(EmbeddingError, match=message):
        embedder_from_settings().embed(["hello"])


@pytest.mark.parametrize("module", ["transcription.search.openai_embeddings", "transcription.search.embedders"])
def test_the_embedders_import_without_django(module):
    code = f"import sys, {module}; assert 'django' not in sys.modules"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
