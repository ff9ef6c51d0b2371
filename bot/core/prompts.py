"""Reading the prompts out of describe and shorten results."""

from __future__ import annotations

import re

# "1️⃣ " keycaps (digit, optional VS16, U+20E3) or "1. " numbering at a prompt's start.
_LEADING_NUMBER = re.compile(r"^\s*(?:\d\ufe0f?\u20e3|\d+[.)])\s*")
_SHORTENED_HEADING = re.compile(r"^#+\s*shortened prompts\s*$", re.IGNORECASE | re.MULTILINE)


def describe_prompts(text: str | None) -> list[str]:
    """The four prompts of a describe result, without their keycap numbers."""
    if not text:
        return []
    return _numbered_blocks(text)


def shortened_prompts(text: str | None) -> list[str]:
    """The prompts listed under "## Shortened prompts" in a shorten analysis."""
    if not text:
        return []
    heading = _SHORTENED_HEADING.search(text)
    if heading is None:
        return []
    return _numbered_blocks(text[heading.end() :])


def _numbered_blocks(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").strip()
    # Prompts are separated by blank lines; some back-ends use single newlines instead.
    blocks = re.split(r"\n\s*\n", text) if "\n\n" in text else text.split("\n")
    prompts = []
    for block in blocks:
        prompt = _LEADING_NUMBER.sub("", " ".join(block.split()))
        if prompt and not prompt.startswith("#"):
            prompts.append(prompt)
    return prompts


def prompt_number(prompts: list[str], number: int) -> str | None:
    """Prompt `number` (1-based) if the result has it."""
    return prompts[number - 1] if 1 <= number <= len(prompts) else None


def with_zoom(prompt: str, zoom: str = "2") -> str:
    """The prompt for a Custom Zoom modal: any existing --zoom replaced by ours."""
    stripped = re.sub(r"\s*--zoom\s+\S+", "", prompt).strip()
    return f"{stripped} --zoom {zoom}".strip()
