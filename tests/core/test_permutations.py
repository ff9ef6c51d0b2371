"""Expanding permutation prompts and --repeat: the prompts each job gets, and the
prompts refused (with what the user is told to fix)."""

from __future__ import annotations

import pytest

from bot.core.permutations import MAX_DEPTH, expand
from bot.core.prompt_tokens import Kind, parameters_start, tokenize
from bot.core.validation import Rejection, RequestRejectedError


@pytest.mark.parametrize(
    ("prompt", "jobs"),
    [
        ("a plain prompt --ar 16:9", ["a plain prompt --ar 16:9"]),
        (
            "a {red, blue} bird --ar {1:1, 16:9}",
            [
                "a red bird --ar 1:1",
                "a red bird --ar 16:9",
                "a blue bird --ar 1:1",
                "a blue bird --ar 16:9",
            ],
        ),
        ("a {b {c, d}, e} f", ["a b c f", "a b d f", "a e f"]),
        ("{a,b}{c,d}", ["ac", "ad", "bc", "bd"]),
        ("a {, big} dog", ["a dog", "a big dog"]),
        ("one {only} option", ["one only option"]),
        ("x {} y", ["x y"]),
        ("{red\\, white, blue} flag", ["red, white flag", "blue flag"]),
        ("a \\{literal\\} brace, {x, y}", ["a \\{literal\\} brace, x", "a \\{literal\\} brace, y"]),
        ("commas, outside, groups", ["commas, outside, groups"]),
        ("{红色，蓝色}的鸟", ["红色的鸟", "蓝色的鸟"]),  # the full-width comma separates too
        ("{一只猫, 一只狗} 水彩", ["一只猫 水彩", "一只狗 水彩"]),
        # Braces in URLs are the URL's own; a URL inside a group ends at its separator.
        (
            "https://e.com/{id}.png a {cat, dog}",
            [
                "https://e.com/{id}.png a cat",
                "https://e.com/{id}.png a dog",
            ],
        ),
        ("{https://a.png, https://b.png} sky", ["https://a.png sky", "https://b.png sky"]),
        ("cat::2 {dog, fox}::-1", ["cat::2 dog::-1", "cat::2 fox::-1"]),
    ],
)
def test_what_each_job_gets(prompt: str, jobs: list[str]) -> None:
    assert expand(prompt) == jobs


@pytest.mark.parametrize(
    ("prompt", "jobs"),
    [
        ("a lighthouse --repeat 3", ["a lighthouse"] * 3),
        ("a lighthouse --r 2 --v 6", ["a lighthouse --v 6"] * 2),
        ("a lighthouse --R 2", ["a lighthouse"] * 2),
        ("{a, b} --r 2", ["a", "a", "b", "b"]),
        ("x --r {1, 2}", ["x", "x", "x"]),  # a permutation of the repeat itself
        ("a raw photo --raw --repeat 1", ["a raw photo --raw"]),  # --raw is not --r
        ("ten --repeat 10", ["ten"] * 10),
    ],
)
def test_repeat_makes_copies_without_the_parameter(prompt: str, jobs: list[str]) -> None:
    assert expand(prompt) == jobs


@pytest.mark.parametrize(
    ("prompt", "reason", "params"),
    [
        ("a {red, blue bird", Rejection.PERMUTATION_UNBALANCED, {"brace": "{"}),
        ("a red} bird", Rejection.PERMUTATION_UNBALANCED, {"brace": "}"}),
        ("{a, {b, c}", Rejection.PERMUTATION_UNBALANCED, {"brace": "{"}),
        ("{a,b,c}{d,e,f,g}", Rejection.TOO_MANY_JOBS, {"count": "12", "max": 10}),
        ("{a,b,c,d,e,f,g,h,i,j,k} cat", Rejection.TOO_MANY_JOBS, {"count": "11", "max": 10}),
        ("{a,b,c} --r 4", Rejection.TOO_MANY_JOBS, {"count": "12", "max": 10}),
        ("{a,b}" * 40, Rejection.TOO_MANY_JOBS, {"count": "1000000+", "max": 10}),
        ("x --repeat 11", Rejection.REPEAT_INVALID, {"max": 10}),
        ("x --repeat 0", Rejection.REPEAT_INVALID, {"max": 10}),
        ("x --repeat two", Rejection.REPEAT_INVALID, {"max": 10}),
        ("x --repeat", Rejection.REPEAT_INVALID, {"max": 10}),
        ("x --r 2 --repeat 2", Rejection.REPEAT_INVALID, {"max": 10}),
        ("{" * 9 + "a" + "}" * 9, Rejection.PERMUTATION_TOO_DEEP, {"max": MAX_DEPTH}),
    ],
)
def test_refused_prompts_say_why(prompt: str, reason: Rejection, params: dict[str, object]) -> None:
    with pytest.raises(RequestRejectedError) as refused:
        expand(prompt)
    assert (refused.value.reason, refused.value.params) == (reason, params)


def test_a_flood_of_groups_is_counted_not_built() -> None:
    # 2**2000 combinations: refused from the count alone, in no time and no memory.
    with pytest.raises(RequestRejectedError) as refused:
        expand("{a,b}" * 2000)
    assert refused.value.reason is Rejection.TOO_MANY_JOBS


def test_eight_levels_deep_still_work() -> None:
    assert expand("{" * MAX_DEPTH + "a, b" + "}" * MAX_DEPTH) == ["a", "b"]


def test_the_tokens_join_back_into_the_prompt() -> None:
    prompt = "https://x.y/{a}.png {红色，蓝色} cat::2 \\{x\\} [[3]] --ar {1:1, 2:3}"
    tokens = list(tokenize(prompt))
    assert "".join(token.text for token in tokens) == prompt
    kinds = [token.kind for token in tokens if token.kind is not Kind.TEXT]
    assert kinds == [
        Kind.URL,
        Kind.OPEN,
        Kind.SEP,
        Kind.CLOSE,
        Kind.WEIGHT,
        Kind.ESCAPE,
        Kind.ESCAPE,
        Kind.MARK,
        Kind.OPEN,
        Kind.SEP,
        Kind.CLOSE,
    ]


@pytest.mark.parametrize(
    ("prompt", "start"),
    [
        ("a cat --ar 16:9", 6),
        ("a cat — ar", 10),  # an em dash and a space is no parameter: none
        ("a cat —ar 16:9", 6),  # phones turn -- into an em dash
        ("well-known --v 6", 11),
        ("a--b", 4),  # none
        ("--ar 1:1", 0),
    ],
)
def test_where_the_parameters_start(prompt: str, start: int) -> None:
    assert parameters_start(prompt) == start
