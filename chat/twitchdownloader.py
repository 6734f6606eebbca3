"""Chat logs exported by TwitchDownloaderCLI (``chatdownload`` JSON), for VODs recorded before capture was on.

Pure: no Django. ``parse_chat_log`` validates the whole document first and names every bad field
(JSON-pointer paths), so a broken file stores nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from chat.eventsub import badge_ids

_MAX_PROBLEMS = 20


class ChatLogError(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems[:_MAX_PROBLEMS]) + (" ..." if len(problems) > _MAX_PROBLEMS else ""))
        self.problems = problems


@dataclass(frozen=True)
class Comment:
    message_id: str
    offset: float  # seconds from the start of the VOD
    chatter_user_id: str
    chatter_login: str
    chatter_display_name: str
    text: str
    badges: tuple[str, ...] = ()  # badge set ids ("moderator", ...)


@dataclass(frozen=True)
class ChatLog:
    broadcaster_user_id: str
    broadcaster_login: str
    comments: list[Comment]


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


def _comment(item, index: int, problems: list[str]) -> Comment | None:
    path = f"/comments/{index}"
    if not isinstance(item, dict):
        problems.append(f"{path}: must be an object")
        return None
    offset = item.get("content_offset_seconds")
    commenter = item.get("commenter")
    message = item.get("message")
    before = len(problems)
    if not _is_number(offset) or offset < 0:
        problems.append(f"{path}/content_offset_seconds: must be a number >= 0")
    if not isinstance(commenter, dict) or not isinstance(commenter.get("display_name") or commenter.get("name"), str):
        problems.append(f"{path}/commenter/display_name: must be a string")
    if not isinstance(message, dict) or not isinstance(message.get("body"), str):
        problems.append(f"{path}/message/body: must be a string")
    if len(problems) > before:
        return None
    login = str(commenter.get("name") or "")
    display_name = str(commenter.get("display_name") or login)
    badges = message.get("user_badges") if isinstance(message.get("user_badges"), list) else []
    message_id = str(item.get("_id") or "")
    if not message_id:
        # Deterministic, so importing the same file twice stores each comment once.
        seed = f"{index}|{offset}|{login or display_name}|{message['body']}".encode()
        message_id = "import-" + hashlib.sha1(seed).hexdigest()
    return Comment(
        message_id=message_id,
        offset=float(offset),
        chatter_user_id=str(commenter.get("_id") or ""),
        chatter_login=login,
        chatter_display_name=display_name,
        text=message["body"],
        badges=tuple(badge_ids([{"set_id": b.get("_id")} for b in badges if isinstance(b, dict)])),
    )


def parse_chat_log(doc) -> ChatLog:
    if not isinstance(doc, dict):
        raise ChatLogError(["/: must be a JSON object (TwitchDownloaderCLI chat JSON)"])
    items = doc.get("comments")
    if not isinstance(items, list):
        raise ChatLogError(["/comments: must be a list"])
    problems: list[str] = []
    comments = [comment for index, item in enumerate(items) if (comment := _comment(item, index, problems))]
    if problems:
        raise ChatLogError(problems)
    streamer = doc.get("streamer") if isinstance(doc.get("streamer"), dict) else {}
    return ChatLog(
        broadcaster_user_id=str(streamer.get("id") or ""),
        broadcaster_login=str(streamer.get("name") or ""),
        comments=comments,
    )
