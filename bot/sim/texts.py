"""Result text for /describe (four prompts) and /shorten (token analysis + five prompts)."""

from __future__ import annotations

import hashlib
import re

KEYCAPS = tuple(f"{n}\ufe0f\u20e3" for n in range(1, 6))  # 1️⃣ .. 5️⃣

_SUBJECTS = (
    "a lighthouse on a windswept cliff",
    "a fox curled up in fresh snow",
    "an abandoned greenhouse overgrown with ferns",
    "a neon-lit alley after rain",
    "a paper boat drifting on a still pond",
    "a mountain village at dawn",
    "a cat asleep on a stack of old books",
    "a vintage bicycle leaning on a brick wall",
)
_STYLES = (
    "loose watercolor",
    "soft pastel illustration",
    "cinematic photography",
    "isometric 3d render",
    "ukiyo-e woodblock print",
    "thick impasto oil painting",
    "minimalist flat vector art",
    "grainy 35mm film photo",
)
_MOODS = (
    "teal and amber tones",
    "muted earth tones",
    "vibrant magenta highlights",
    "soft morning light",
    "moody chiaroscuro",
    "pastel color palette",
    "high contrast",
    "dreamy atmosphere",
)
_STOPWORDS = frozenset(
    {"a", "an", "the", "of", "in", "on", "at", "to", "for", "with", "and", "or", "by", "from"}
    | {"into", "over", "under", "like", "as", "is", "very"}
)
_PARAMS = re.compile(r"(?:^|\s)--[a-zA-Z].*$", re.DOTALL)


def numbered(prompts: list[str]) -> str:
    """Midjourney's layout: keycap emoji, prompt, blank line between entries."""
    return "\n\n".join(f"{KEYCAPS[i]} {p}" for i, p in enumerate(prompts))


def describe_prompts(seed: str, aspect: str) -> list[str]:
    d = hashlib.sha256(seed.encode()).digest()
    return [
        f"{_SUBJECTS[d[i] % len(_SUBJECTS)]}, {_STYLES[d[i + 4] % len(_STYLES)]}, "
        f"{_MOODS[d[i + 8] % len(_MOODS)]} --ar {aspect}"
        for i in range(4)
    ]


def _weight(word: str) -> float:
    if word.lower() in _STOPWORDS:
        return 0.05
    return round(0.3 + 0.7 * hashlib.sha256(word.lower().encode()).digest()[0] / 255, 2)


def shorten_prompt(prompt: str, *, details: bool = False) -> tuple[str, list[str]]:
    """(analysis markdown, five progressively shorter prompts) built from `prompt`'s words."""
    text = _PARAMS.sub("", prompt).strip() or prompt.strip()
    phrases = [p.split() for p in text.split(",") if p.split()]
    words = [(pi, w) for pi, phrase in enumerate(phrases) for w in phrase]
    weights = [_weight(w) for _, w in words]
    ranked = sorted(range(len(words)), key=lambda k: (-weights[k], k))

    def keep_set(level: int) -> set[int]:
        return set(ranked[: max(1, len(words) * (6 - level) // 6)])

    def render(keep: set[int]) -> str:
        parts = [
            " ".join(w for k, (pi, w) in enumerate(words) if pi == p and k in keep)
            for p in range(len(phrases))
        ]
        return ", ".join(part for part in parts if part)

    shortened = [render(keep_set(level)) for level in range(1, 6)]
    strong, kept = keep_set(3), keep_set(1)
    marked = [
        f"**{w}**" if k in strong else w if k in kept else f"~~{w}~~"
        for k, (_, w) in enumerate(words)
    ]
    tokens = ", ".join(
        " ".join(m for m, (pi, _) in zip(marked, words, strict=True) if pi == p)
        for p in range(len(phrases))
    )
    sections = ["## Important tokens", tokens]
    if details:
        sections += [
            "## Token weights",
            "\n".join(f"{w}: {weights[k]}" for k, (_, w) in enumerate(words)),
        ]
    sections += ["## Shortened prompts", numbered(shortened)]
    return "\n".join(sections), shortened
