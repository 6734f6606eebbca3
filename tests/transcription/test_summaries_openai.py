"""The chat engine and its client against a local server speaking chat-completions: good, cut-off and invalid
replies, rate limits, server errors, slow servers, and transcripts too long for one request."""

from __future__ import annotations

import re
import socket

import pytest

from transcription.summaries.chat import ChatClient, ChatError
from transcription.summaries.llm import ChatSummariser, SummaryFailed, split_lines
from transcription.summaries.schema import CLIP_SUMMARY_SCHEMA, validate_clip_summary
from transcription.summaries.speech import ClipDigest, ClipSpeech, SpeechSegment

from .chat_server import ChatServer, Reply

SEGMENTS = [
    SpeechSegment(0, 600.0, 604.0, "Welcome back, today we wire the garden irrigation."),
    SpeechSegment(1, 604.0, 609.5, "The drip line goes along the tomato beds."),
    SpeechSegment(2, 609.5, 615.0, "Write to me at jane@example.com for the parts list."),
    SpeechSegment(3, 615.0, 620.0, "And it works, the water is flowing!"),
]
CLIP = ClipSpeech(segments=SEGMENTS, previous_context="Earlier: we built raised beds.", stream_title="Garden day")


def model_summary(**changes) -> dict:
    summary = {
        "title": "Drip irrigation for the tomatoes",
        "keywords": ["drip irrigation", "tomato beds"],
        "summary_main_discussion": "The streamer lays a drip line along the tomato beds and tests it.",
        "summary_context": "Irrigation is installed along the tomato beds.",
        "highlights": [
            {
                "timestamp_start": 615.0,
                "timestamp_end": 620.0,
                "description": "The water flows",
                "reasoning": "The payoff of the build",
                "segments": [3],
            }
        ],
        "attentions": [],
        "transcription_errors": [],
    }
    return summary | changes


@pytest.fixture
def server():
    with ChatServer() as server:
        yield server


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def client(server, waits) -> ChatClient:
    return ChatClient(
        base_url=server.url,
        model="test-model",
        api_key="sk-test",
        timeout=5,
        retries=2,
        backoff=0.5,
        sleep=waits.append,
    )


def test_a_good_reply_is_the_summary_with_rule_findings_added(server, client):
    server.replies = [Reply(content=model_summary())]

    summary = ChatSummariser(client=client).summarise_clip(CLIP)

    [request] = server.requests
    assert request["model"] == "test-model" and request["temperature"] == 0
    assert request["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "clip_summary", "strict": True, "schema": CLIP_SUMMARY_SCHEMA},
    }
    assert server.headers[0]["Authorization"] == "Bearer sk-test"
    prompt = server.user_prompts()[0]
    assert "[1] 0:10:04.0-0:10:09.5 The drip line goes along the tomato beds." in prompt
    assert "Earlier: we built raised beds." in prompt and "Garden day" in prompt
    assert summary["title"] == "Drip irrigation for the tomatoes"
    assert summary["highlights"] == model_summary()["highlights"]
    # the e-mail address the model missed is found by rule
    assert [(a["description"], a["segments"]) for a in summary["attentions"]] == [
        ("An e-mail address: jane@example.com", [2])
    ]
    assert validate_clip_summary(summary, segment_indexes=range(4)) == summary


def test_times_are_held_inside_the_cited_segments(server, client):
    moment = {"timestamp_start": 15.0, "timestamp_end": 9999.0, "description": "x", "reasoning": "y", "segments": [1]}
    server.replies = [Reply(content=model_summary(highlights=[moment]))]

    summary = ChatSummariser(client=client).summarise_clip(CLIP)

    assert (summary["highlights"][0]["timestamp_start"], summary["highlights"][0]["timestamp_end"]) == (604.0, 609.5)


def test_a_reply_cut_off_by_the_token_limit_is_asked_again_shorter(server, client):
    server.replies = [Reply(content='{"title": "Drip irr', finish_reason="length"), Reply(content=model_summary())]

    summary = ChatSummariser(client=client).summarise_clip(CLIP)

    assert summary["title"] == "Drip irrigation for the tomatoes"
    assert len(server.requests) == 2
    assert "cut off by the token limit" in server.requests[1]["messages"][-1]["content"]


def test_cut_off_twice_fails_with_what_to_change(server, client):
    cut = Reply(content=model_summary(), finish_reason="length")  # complete JSON, but the model was stopped
    server.replies = [cut, cut]

    with pytest.raises(SummaryFailed, match="cut off at 4096 tokens.*Raise SUMMARY_MAX_TOKENS"):
        ChatSummariser(client=client).summarise_clip(CLIP)
    assert len(server.requests) == 2


def test_invalid_json_is_answered_with_the_problem_then_accepted(server, client):
    server.replies = [Reply(content="Sure! Here is the summary: {title:"), Reply(content=model_summary())]

    summary = ChatSummariser(client=client).summarise_clip(CLIP)

    assert summary["keywords"] == ["drip irrigation", "tomato beds"]
    retry = server.requests[1]["messages"]
    assert retry[-2] == {"role": "assistant", "content": "Sure! Here is the summary: {title:"}
    assert "not valid JSON" in retry[-1]["content"]


def test_a_reply_off_the_schema_twice_fails_naming_the_problem(server, client):
    bad = Reply(content=model_summary(highlights=[{"timestamp_start": 1.0}]))
    server.replies = [bad, bad]

    with pytest.raises(SummaryFailed, match=r"twice: it does not match the schema: highlights\[0\]"):
        ChatSummariser(client=client).summarise_clip(CLIP)


def test_a_citation_of_a_segment_that_does_not_exist_is_refused(server, client):
    moment = {"timestamp_start": 1.0, "timestamp_end": 2.0, "description": "x", "reasoning": "y", "segments": [42]}
    server.replies = [Reply(content=model_summary(attentions=[moment]))] * 2

    with pytest.raises(SummaryFailed, match="no segment 42"):
        ChatSummariser(client=client).summarise_clip(CLIP)


def test_a_fenced_reply_from_a_local_server_is_read(server, client):
    import json

    server.replies = [Reply(content="```json\n" + json.dumps(model_summary()) + "\n```")]

    assert ChatSummariser(client=client).summarise_clip(CLIP)["title"] == "Drip irrigation for the tomatoes"


def test_429_waits_as_long_as_retry_after_says(server, client, waits):
    server.replies = [
        Reply(status=429, headers={"Retry-After": "2"}, error="Rate limit reached"),
        Reply(status=429, headers={"Retry-After": "1.5"}, error="Rate limit reached"),
        Reply(content=model_summary()),
    ]

    ChatSummariser(client=client).summarise_clip(CLIP)

    assert waits == [2.0, 1.5] and len(server.requests) == 3


def test_a_retry_after_longer_than_allowed_fails_at_once(server, client):
    server.replies = [Reply(status=429, headers={"Retry-After": "3600"}, error="You exceeded your current quota")]

    with pytest.raises(ChatError, match="asks to wait 3600 s .*SUMMARY_RETRY_MAX_WAIT.*exceeded your current quota"):
        ChatSummariser(client=client).summarise_clip(CLIP)
    assert len(server.requests) == 1


def test_server_errors_back_off_exponentially_then_succeed(server, client, waits):
    server.replies = [
        Reply(status=500, error="boom"),
        Reply(status=503, error="loading"),
        Reply(content=model_summary()),
    ]

    ChatSummariser(client=client).summarise_clip(CLIP)

    assert waits == [0.5, 1.0]


def test_server_errors_that_last_fail_after_the_retries(server, client, waits):
    server.replies = [Reply(status=502, error="bad gateway")] * 3

    with pytest.raises(ChatError, match="still answered HTTP 502 after 3 attempts. The server says: bad gateway"):
        ChatSummariser(client=client).summarise_clip(CLIP)
    assert len(server.requests) == 3 and waits == [0.5, 1.0]


def test_a_refused_request_fails_at_once_with_the_servers_message(server, client, waits):
    server.replies = [Reply(status=401, error="Incorrect API key provided")]

    with pytest.raises(ChatError, match="HTTP 401. The server says: Incorrect API key provided"):
        ChatSummariser(client=client).summarise_clip(CLIP)
    assert len(server.requests) == 1 and waits == []


@pytest.mark.parametrize("reply", [Reply(delay=3.0), Reply(trickle=0.05)], ids=["silent", "trickling"])
def test_a_slow_server_is_given_up_on_at_the_time_limit(server, client, reply):
    reply.content = model_summary()
    server.replies = [reply]
    client.timeout = 1.0

    with pytest.raises(ChatError, match="did not answer within 1 s"):
        ChatSummariser(client=client).summarise_clip(CLIP)
    assert len(server.requests) == 1  # a slow model is not asked again


def test_an_unreachable_endpoint_says_so(waits):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = ChatClient(base_url=f"http://127.0.0.1:{port}/v1", model="m", retries=1, sleep=waits.append)

    with pytest.raises(ChatError, match="cannot be reached .*OPENAI_BASE_URL"):
        ChatSummariser(client=client).summarise_clip(CLIP)
    assert waits == [2.0]


def test_a_long_transcript_is_summarised_in_parts_and_merged(server, client):
    long = [SpeechSegment(i, 5.0 * i, 5.0 * i + 4, f"Sentence number {i} about soil and compost.") for i in range(60)]

    def reply(body: dict) -> Reply:
        name = body["response_format"]["json_schema"]["name"]
        prompt = body["messages"][-1]["content"]
        if name == "clip_summary_merge":
            return Reply(
                content={
                    "title": "Soil and compost",
                    "keywords": ["soil", "compost"],
                    "summary_main_discussion": "All about soil.",
                    "summary_context": "Soil and compost are done.",
                }
            )
        indexes = [int(index) for index in re.findall(r"^\[(\d+)\]", prompt, flags=re.MULTILINE)]
        first = indexes[0]
        moment = {
            "timestamp_start": 5.0 * first,
            "timestamp_end": 5.0 * first + 4,
            "description": f"part from {first}",
            "reasoning": "r",
            "segments": [first],
        }
        return Reply(content=model_summary(summary_context=f"context after {indexes[-1]}", highlights=[moment]))

    server.replies = reply
    engine = ChatSummariser(client=client, context_tokens=750)  # 1,500 characters of transcript a request

    summary = engine.summarise_clip(ClipSpeech(segments=long))

    parts = [r for r in server.requests if r["response_format"]["json_schema"]["name"] == "clip_summary"]
    assert len(parts) == len(split_lines(long, engine.budget)) > 2
    for request in parts:
        transcript = request["messages"][-1]["content"].split("Transcript:\n", 1)[1]
        assert len(transcript) <= engine.budget
    # each part is told what the part before it ended with
    assert "context after" in parts[1]["messages"][-1]["content"]
    assert summary["title"] == "Soil and compost" and summary["summary_context"] == "Soil and compost are done."
    assert [h["description"] for h in summary["highlights"]] == [
        f"part from {part[0].index}" for part in split_lines(long, engine.budget)
    ]


def test_the_stream_draft_comes_from_the_clip_summaries(server, client):
    from transcription.summaries.schema import STREAM_SUMMARY_SCHEMA

    server.replies = [Reply(content={"title": "Garden day: irrigation", "description": "We wire the garden."})]
    clips = [ClipDigest(start=0, title="Drip line", keywords=("irrigation",), main_discussion="We lay a drip line.")]

    summary = ChatSummariser(client=client).summarise_stream(clips, stream_title="Garden day")

    assert summary == {"title": "Garden day: irrigation", "description": "We wire the garden."}
    assert server.requests[0]["response_format"]["json_schema"]["schema"] == STREAM_SUMMARY_SCHEMA
    assert "0:00:00 Drip line [irrigation]: We lay a drip line." in server.user_prompts()[0]


def test_no_speech_asks_nothing(server, client):
    summary = ChatSummariser(client=client).summarise_clip(ClipSpeech(segments=[], previous_context="before"))

    assert summary["summary_context"] == "before" and server.requests == []


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("7", 7.0), ("0.5", 0.5), ("-3", 0.0), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0), ("soon", None), (None, None)],
)
def test_retry_after_in_seconds_or_as_an_http_date(header, seconds):
    from transcription.summaries.chat import _retry_after

    assert _retry_after(header) == seconds
