"""A hit as the API, the page and the command show it: times in hh:mm:ss and the link that plays it."""

from __future__ import annotations

import html
import re
from urllib.parse import urlencode

from django.urls import reverse

from pipeline.media_access import media_url
from streams.timefmt import format_hms
from transcription.search.queries import SearchHit


def player_url(hit: SearchHit) -> str:
    """The site page that plays the hit's clip from the moment the hit starts."""
    return reverse("search:player", args=[hit.clip_id]) + "?" + urlencode({"t": f"{hit.clip_offset:.1f}"})


def hit_payload(hit: SearchHit) -> dict:
    return {
        "stream": {"id": hit.stream_id, "title": hit.stream_title},
        "clip": hit.clip_id,
        "kind": hit.kind,
        "start": round(hit.start, 3),
        "end": round(hit.end, 3),
        "start_hms": format_hms(hit.start),
        "clip_offset": round(hit.clip_offset, 3),
        "snippet": hit.snippet,
        "text": hit.text,
        "score": {
            "fused": hit.score,
            "vector_rank": hit.vector_rank,
            "vector_distance": hit.vector_distance,
            "text_rank": hit.text_rank,
            "text_score": hit.text_score,
        },
        "player_url": player_url(hit),
        "media_url": f"{media_url(hit.clip_file)}#t={hit.clip_offset:.1f}",
    }


def plain_snippet(snippet: str) -> str:
    """The snippet for a terminal: ``<mark>`` as ``[...]``, entities decoded."""
    return html.unescape(re.sub(r"</?mark>", lambda tag: "]" if tag.group().startswith("</") else "[", snippet))
