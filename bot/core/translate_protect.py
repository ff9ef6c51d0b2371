"""What of a prompt the translator may touch, and the check that it touched nothing else.

A prompt is cut into three: the image URLs it starts with (`head`), the words (`text`),
and everything from its first parameter on (`tail`: `--ar 16:9 --no 红色 --v 6`). Only
the text is sent, with every URL, `::` weight, permutation brace and separator and
escape in it replaced by a numbered placeholder (`[[0]]`) the model is told to keep.

An answer is accepted only if its placeholders are all there, once each and in order,
and if the restored prompt, cut again, has exactly the same protected parts as the
original: a model that adds a `--parameter`, a URL, a brace or a comma inside a group,
or that drops one, is not believed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.core.prompt_tokens import Kind, parameters_start, tokenize

_PLACEHOLDER = re.compile(r"\[\[(\d+)\]\]")
_LEADING_URLS = re.compile(r"(?:\s*<?https?://\S+>?)+\s*", re.IGNORECASE)
_QUOTES = (('"', '"'), ("“", "”"), ("'", "'"), ("「", "」"))


@dataclass(frozen=True)
class Protected:
    head: str
    text: str  # what the model sees
    pieces: tuple[str, ...]  # what the placeholders [[0]], [[1]], ... stand for
    tail: str

    def restore(self, answer: str) -> str | None:
        """The prompt with `answer` as its text, or None when the answer mangled a
        protected part (a fall back to the original prompt)."""
        answer = _unwrapped(answer.strip(), self.text)
        numbers = [int(found) for found in _PLACEHOLDER.findall(answer)]
        if not answer or numbers != list(range(len(self.pieces))):
            return None
        text = _PLACEHOLDER.sub(lambda found: self.pieces[int(found.group(1))], answer)
        restored = _join(self.head, text, self.tail)
        again = protect(restored)
        same = (again.head, again.pieces, again.tail) == (self.head, self.pieces, self.tail)
        return restored if same else None


def protect(prompt: str) -> Protected:
    params = parameters_start(prompt)
    body, tail = prompt[:params], prompt[params:].strip()
    leading = _LEADING_URLS.match(body)
    head = leading.group().strip() if leading else ""
    body = body[leading.end() :] if leading else body
    pieces: list[str] = []
    parts: list[str] = []
    for token in tokenize(body.strip()):
        if token.kind is Kind.TEXT:
            parts.append(token.text)
        else:
            parts.append(f"[[{len(pieces)}]]")
            pieces.append(token.text)
    return Protected(head, "".join(parts), tuple(pieces), tail)


def has_cjk(text: str) -> bool:
    """Chinese, Japanese or Korean words (not only their punctuation) in the text."""
    return any(_is_cjk(char) for char in text)


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (
        0x3400 <= code <= 0x4DBF  # CJK extension A
        or 0x4E00 <= code <= 0x9FFF  # CJK unified ideographs
        or 0xF900 <= code <= 0xFAFF  # compatibility ideographs
        or 0x20000 <= code <= 0x3134F  # extensions B-G
        or 0x3040 <= code <= 0x30FF  # hiragana, katakana
        or 0xAC00 <= code <= 0xD7AF  # hangul syllables
        or 0x1100 <= code <= 0x11FF  # hangul jamo
        or unicodedata.name(char, "").startswith("CJK UNIFIED")
    )


def _join(head: str, text: str, tail: str) -> str:
    return " ".join(part for part in (head, text.strip(), tail) if part)


def _unwrapped(answer: str, sent: str) -> str:
    """Models sometimes put the whole answer in quotes; the prompt sent had none."""
    for opening, closing in _QUOTES:
        quoted = answer.startswith(opening) and answer.endswith(closing) and len(answer) > 1
        if quoted and not sent.strip().startswith(opening):
            return answer[len(opening) : -len(closing)].strip()
    return answer
