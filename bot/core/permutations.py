"""Permutation prompts and `--repeat`, expanded into the prompts of separate jobs.

`a {red, blue} bird --ar {1:1, 16:9}` is four prompts; groups nest (`{a {b, c}, d}` is
three) and several multiply. `\\,` inside a group is a comma that separates nothing;
`\\{` and `\\}` are literal braces and are sent as written (so Midjourney does not read
them as a group either). Braces in URLs are part of the URL. `--repeat N` (or `--r N`)
runs each prompt N times and is removed from what is submitted.

The number of jobs is known before anything is built, so `{a,b}{c,d}...` with a million
combinations is refused at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.prompt_tokens import Kind, tokenize
from bot.core.validation import Rejection, RequestRejectedError

MAX_JOBS_PER_PROMPT = 10
MAX_DEPTH = 8  # groups inside groups; deeper is refused before any recursion
_REPEAT = re.compile(r"(?:^|(?<=\s))(?:--|—)(?:repeat|r)(?=\s|$)(?P<value>\s+\S+)?", re.I)
_SPACES = re.compile(r"[ \t]{2,}")


@dataclass(frozen=True)
class _Group:
    alternatives: tuple[_Sequence, ...]


_Sequence = tuple["str | _Group", ...]


def expand(prompt: str, *, limit: int = MAX_JOBS_PER_PROMPT) -> list[str]:
    """The prompt of every job this prompt makes, in order, `--repeat` applied and
    removed; RequestRejectedError (with what to fix) when it cannot be expanded or
    makes more than `limit` jobs."""
    tree = _parse(prompt)
    combinations = _count(tree)
    if combinations > limit:
        raise RequestRejectedError(Rejection.TOO_MANY_JOBS, count=_shown(combinations), max=limit)
    prompts = [prompt] if not _has_group(tree) else [_tidy(text) for text in _expand(tree)]
    jobs = [copy for text in prompts for copy in _repeated(text, limit)]
    if len(jobs) > limit:
        raise RequestRejectedError(Rejection.TOO_MANY_JOBS, count=_shown(len(jobs)), max=limit)
    return jobs


def _parse(prompt: str) -> _Sequence:
    """The prompt as text and groups; refuses unbalanced or too deeply nested braces."""
    root: list[str | _Group] = []
    current = root
    # Each open group: the sequence it sits in, and its alternatives so far.
    open_groups: list[tuple[list[str | _Group], list[list[str | _Group]]]] = []
    for token in tokenize(prompt):
        if token.kind is Kind.OPEN:
            if len(open_groups) >= MAX_DEPTH:
                raise RequestRejectedError(Rejection.PERMUTATION_TOO_DEEP, max=MAX_DEPTH)
            alternatives: list[list[str | _Group]] = [[]]
            open_groups.append((current, alternatives))
            current = alternatives[-1]
        elif token.kind is Kind.SEP:
            alternatives = open_groups[-1][1]
            alternatives.append([])
            current = alternatives[-1]
        elif token.kind is Kind.CLOSE:
            if not open_groups:
                raise RequestRejectedError(Rejection.PERMUTATION_UNBALANCED, brace="}")
            parent, alternatives = open_groups.pop()
            parent.append(_Group(tuple(tuple(alt) for alt in alternatives)))
            current = parent
        elif token.kind is Kind.ESCAPE and token.text == "\\," and open_groups:
            current.append(",")  # inside a group: a literal comma, no longer escaped
        else:
            current.append(token.text)
    if open_groups:
        raise RequestRejectedError(Rejection.PERMUTATION_UNBALANCED, brace="{")
    return tuple(root)


def _count(sequence: _Sequence) -> int:
    total = 1
    for part in sequence:
        if isinstance(part, _Group):
            total *= sum(_count(alternative) for alternative in part.alternatives)
    return total


def _has_group(sequence: _Sequence) -> bool:
    return any(isinstance(part, _Group) for part in sequence)


def _expand(sequence: _Sequence) -> list[str]:
    results = [""]
    for part in sequence:
        if isinstance(part, _Group):
            options = [
                text.strip() for alternative in part.alternatives for text in _expand(alternative)
            ]
        else:
            options = [part]
        results = [done + option for done in results for option in options]
    return results


def _tidy(text: str) -> str:
    """Spaces left by empty or trimmed alternatives, e.g. `a {, big} dog` -> `a dog`."""
    return _SPACES.sub(" ", text).strip()


def _repeated(prompt: str, limit: int) -> list[str]:
    found = list(_REPEAT.finditer(prompt))
    if not found:
        return [prompt]
    value = (found[0].group("value") or "").strip()
    if len(found) > 1 or not value.isdigit() or not 1 <= int(value) <= limit:
        raise RequestRejectedError(Rejection.REPEAT_INVALID, max=limit)
    match = found[0]
    rest = _tidy(prompt[: match.start()] + " " + prompt[match.end() :])
    return [rest] * int(value)


def _shown(count: int) -> str:
    """A count as the refusal shows it (`{a,b}` 30 times is a 10-digit number)."""
    return str(count) if count < 1_000_000 else "1000000+"
