"""A Midjourney prompt cut into the parts that have a meaning of their own.

Shared by the permutation expander (which reads the braces) and the translator (which
must leave every one of these parts as it is):

- URL: `https://...` up to whitespace (inside a `{...}` group also up to `,` or `}`);
  braces in a URL are never a permutation.
- OPEN `{`, SEP (`,` or the full-width `，` inside a group), CLOSE `}`.
- ESCAPE: `\\{`, `\\}` or `\\,`, a brace or comma meant literally.
- WEIGHT: `::` with an optional number (`cat::2 dog::-0.5`).
- MARK: text that looks like one of the translator's placeholders (`[[3]]`).
- TEXT: everything else (words, spaces, commas outside groups).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

SEPARATORS = (",", "，")  # Chinese keyboards type the full-width comma
_URL = re.compile(r"https?://", re.IGNORECASE)
_WEIGHT = re.compile(r"::(?:-?\d+(?:\.\d+)?|-?\.\d+)?")
_MARK = re.compile(r"\[\[\d+\]\]")
# A parameter starts with -- (or the em dash phones type for it) and a letter, after a space.
PARAMETER = re.compile(r"(?:^|(?<=\s))(?:--|—)[A-Za-z]")


class Kind(StrEnum):
    TEXT = "text"
    URL = "url"
    OPEN = "open"
    SEP = "sep"
    CLOSE = "close"
    ESCAPE = "escape"
    WEIGHT = "weight"
    MARK = "mark"


@dataclass(frozen=True)
class Token:
    kind: Kind
    text: str
    depth: int  # how many groups are open where it starts


def tokenize(prompt: str) -> Iterator[Token]:
    """The prompt's parts in order; joined, their texts are the prompt again. A `}`
    without its `{` is a CLOSE at depth 0 (the expander refuses it)."""
    depth, i, text_start = 0, 0, 0
    n = len(prompt)

    def pending_text(end: int) -> Iterator[Token]:
        if end > text_start:
            yield Token(Kind.TEXT, prompt[text_start:end], depth)

    while i < n:
        token = _special_at(prompt, i, depth)
        if token is None:
            i += 1
            continue
        yield from pending_text(i)
        yield token
        i += len(token.text)
        text_start = i
        if token.kind is Kind.OPEN:
            depth += 1
        elif token.kind is Kind.CLOSE:
            depth = max(0, depth - 1)
    yield from pending_text(n)


def _special_at(prompt: str, i: int, depth: int) -> Token | None:
    char = prompt[i]
    if char == "\\" and prompt[i + 1 : i + 2] in ("{", "}", ","):
        return Token(Kind.ESCAPE, prompt[i : i + 2], depth)
    if char in "hH" and _URL.match(prompt, i) and (i == 0 or not prompt[i - 1].isalnum()):
        return Token(Kind.URL, prompt[i : _url_end(prompt, i, depth)], depth)
    if char == "{":
        return Token(Kind.OPEN, char, depth)
    if char == "}":
        return Token(Kind.CLOSE, char, depth)
    if char in SEPARATORS and depth > 0:
        return Token(Kind.SEP, char, depth)
    if char == ":" and (weight := _WEIGHT.match(prompt, i)):
        return Token(Kind.WEIGHT, weight.group(), depth)
    if char == "[" and (mark := _MARK.match(prompt, i)):
        return Token(Kind.MARK, mark.group(), depth)
    return None


def _url_end(prompt: str, start: int, depth: int) -> int:
    stops = "," + "，" + "}" if depth > 0 else ""
    end = start
    while end < len(prompt) and not prompt[end].isspace() and prompt[end] not in stops:
        end += 1
    return end


def parameters_start(prompt: str) -> int:
    """Where the parameters begin (`--ar 16:9 --v 6`), or the prompt's length."""
    found = PARAMETER.search(prompt)
    return found.start() if found else len(prompt)
