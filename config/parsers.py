"""The API's JSON parser: bad JSON is a 400 with a message, never a 500 further down.

``json`` raises RecursionError (not ValueError) on deep nesting, which DRF's parser lets through; and a
``\\u0000`` parses fine but PostgreSQL can store it in neither text nor jsonb (a DataError at save time).
"""

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError


def contains_nul(document: Any) -> bool:
    """Whether any string (key or value) in the parsed document holds a NUL character."""
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack += [*item.keys(), *item.values()]
        elif isinstance(item, list):
            stack += item
    return False


class JSONParser(parsers.JSONParser):
    """DRF's parser, refusing documents nested too deeply to parse and strings with NUL characters."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            document = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the document is nested too deeply") from None
        if contains_nul(document):
            raise ParseError("JSON parse error - strings may not contain NUL (\\u0000)")
        return document
