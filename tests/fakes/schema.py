"""Request-body validation against Discord's OpenAPI spec.

The spec (1.2 MB) is parsed once per process and validators are cached per operation, so a
test session pays the cost a single time no matter how many fakes it starts.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_ENV_VAR = "DISCORD_OPENAPI_SPEC"
_SPEC_CANDIDATES = (
    # Discord's official spec (MIT, see its LICENSE), kept beside the fake for CI.
    Path(__file__).with_name("discord-api-spec") / "openapi.json",
)
_SPEC_URI = "urn:discord-openapi"


@dataclass(frozen=True)
class SchemaProblem:
    """One leaf problem, already phrased the way Discord phrases it."""

    path: tuple[str, ...]
    code: str
    message: str


def spec_path() -> Path:
    override = os.environ.get(SPEC_ENV_VAR)
    candidates = (Path(override),) if override else _SPEC_CANDIDATES
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"Discord OpenAPI spec not found (tried {[str(c) for c in candidates]}); "
        f"set {SPEC_ENV_VAR} to the path of discord-api-spec's openapi.json"
    )


@cache
def load_spec() -> dict[str, Any]:
    spec = json.loads(spec_path().read_text(encoding="utf-8"))
    _apply_known_deviations(spec)
    return spec


def _apply_known_deviations(spec: dict[str, Any]) -> None:
    """Loosen the spec where the live API is documented to be more lenient.

    Discord accepts snowflakes as JSON integers as well as strings (discord.py sends ints
    for e.g. attachment ids and file placeholders), but the spec only allows strings.
    """
    schemas = spec["components"]["schemas"]
    snowflake = schemas["SnowflakeType"]
    schemas["SnowflakeType"] = {"anyOf": [snowflake, {"type": "integer", "minimum": 0}]}


@cache
def _registry() -> Registry:
    resource: Resource[Any] = DRAFT202012.create_resource(load_spec())
    return Registry().with_resource(_SPEC_URI, resource)


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


@cache
def operation_id(method: str, route: str) -> str | None:
    op = load_spec()["paths"].get(route, {}).get(method.lower())
    return None if op is None else op.get("operationId")


@cache
def _validator(method: str, route: str) -> Draft202012Validator | None:
    op = load_spec()["paths"].get(route, {}).get(method.lower())
    if op is None or "application/json" not in op.get("requestBody", {}).get("content", {}):
        return None
    ref = "#/" + _pointer(
        "paths", route, method.lower(), "requestBody", "content", "application/json", "schema"
    )
    return Draft202012Validator({"$ref": _SPEC_URI + ref}, registry=_registry())


def validate_body(method: str, route: str, body: Any) -> list[SchemaProblem]:
    """Problems with `body` for the operation `method route` (route is the spec's path key)."""
    validator = _validator(method, route)
    if validator is None:
        return []
    problems: list[SchemaProblem] = []
    for error in validator.iter_errors(body):
        problems.extend(_leaf_problems(error))
    return problems


@cache
def _schema_validator(name: str) -> Draft202012Validator:
    ref = "#/" + _pointer("components", "schemas", name)
    return Draft202012Validator({"$ref": _SPEC_URI + ref}, registry=_registry())


def validate_schema(name: str, instance: Any) -> list[SchemaProblem]:
    """Problems with `instance` against the spec's `components/schemas/<name>` (e.g. to check
    that the fake's responses have the shape Discord documents)."""
    if name not in load_spec()["components"]["schemas"]:
        raise KeyError(f"the spec has no schema {name!r}")
    problems: list[SchemaProblem] = []
    for error in _schema_validator(name).iter_errors(instance):
        problems.extend(_leaf_problems(error))
    return problems


def _leaf_problems(error: ValidationError) -> list[SchemaProblem]:
    if error.validator in ("oneOf", "anyOf") and error.context:
        branch = _matching_branch(error)
        if branch is not None:
            return [p for sub in branch for p in _leaf_problems(sub)]
    return [_as_problem(error)]


def _matching_branch(error: ValidationError) -> list[ValidationError] | None:
    """The errors of the one union branch whose discriminator matched, if exactly one did.

    Component/option unions are discriminated by their `type` field; picking the branch
    whose `type` matched gives the error a human would expect instead of "not valid under
    any of the given schemas".
    """
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context or ():
        branches.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
    depth = len(error.absolute_path)
    plausible = [
        errs
        for errs in branches.values()
        if not any(_is_discriminator_miss(e, depth) for e in errs)
    ]
    return plausible[0] if len(plausible) == 1 else None


def _is_discriminator_miss(error: ValidationError, depth: int) -> bool:
    rel = list(error.absolute_path)[depth:]
    if not rel and error.validator in ("type", "enum", "const"):
        return True
    if rel == ["type"] and error.validator in ("enum", "const"):
        return True
    # Nested unions (e.g. the null-or-object pattern) count as a miss if all their branches did.
    if not rel and error.validator in ("oneOf", "anyOf"):
        return all(_is_discriminator_miss(e, depth) for e in error.context or ())
    return False


_TYPE_CODES = {
    "object": "DICT_TYPE_CONVERT",
    "array": "LIST_TYPE_CONVERT",
    "integer": "NUMBER_TYPE_COERCE",
    "number": "NUMBER_TYPE_COERCE",
    "string": "STRING_TYPE_CONVERT",
    "boolean": "BOOLEAN_TYPE_CONVERT",
}


def _as_problem(error: ValidationError) -> SchemaProblem:
    path = tuple(str(p) for p in error.absolute_path)
    kind, arg = error.validator, error.validator_value
    if kind == "required":
        missing = next((name for name in arg if name not in error.instance), str(arg))
        return SchemaProblem((*path, missing), "BASE_TYPE_REQUIRED", "This field is required")
    if kind in ("maxLength", "maxItems", "maxProperties"):
        return SchemaProblem(path, "BASE_TYPE_MAX_LENGTH", f"Must be {arg} or fewer in length.")
    if kind in ("minLength", "minItems"):
        return SchemaProblem(path, "BASE_TYPE_MIN_LENGTH", f"Must be {arg} or more in length.")
    if kind == "maximum":
        return SchemaProblem(
            path, "NUMBER_TYPE_MAX", f"Value should be less than or equal to {arg}."
        )
    if kind == "minimum":
        return SchemaProblem(
            path, "NUMBER_TYPE_MIN", f"Value should be greater than or equal to {arg}."
        )
    if kind in ("enum", "const"):
        choices = arg if isinstance(arg, list) else [arg]
        return SchemaProblem(path, "BASE_TYPE_CHOICES", f"Value must be one of {choices}.")
    if kind == "pattern":
        return SchemaProblem(
            path, "STRING_TYPE_REGEX", "String value did not match validation regex."
        )
    if kind == "type":
        wanted = arg if isinstance(arg, str) else next(t for t in arg if t != "null")
        code = _TYPE_CODES.get(wanted, "BASE_TYPE_BAD_TYPE")
        return SchemaProblem(path, code, f"Expected {arg}, got {error.instance!r:.60}.")
    if kind in ("oneOf", "anyOf"):
        consts = [b["const"] for b in arg if isinstance(b, dict) and "const" in b]
        if consts and len(consts) == len(arg):
            return SchemaProblem(path, "BASE_TYPE_CHOICES", f"Value must be one of {consts}.")
        return SchemaProblem(path, "UNION_TYPE_CHOICES", "Value did not match any allowed shape.")
    return SchemaProblem(path, "BASE_TYPE_INVALID", error.message)


def discord_errors(problems: Iterable[SchemaProblem]) -> dict[str, Any]:
    """Nest problems the way Discord does: {"embeds": {"0": {"title": {"_errors": [...]}}}}."""
    tree: dict[str, Any] = {}
    for problem in problems:
        node = tree
        for part in problem.path:
            node = node.setdefault(part, {})
        node.setdefault("_errors", []).append({"code": problem.code, "message": problem.message})
    return tree


def describe(problems: Iterable[SchemaProblem]) -> list[str]:
    return [f"{'.'.join(p.path) or '<body>'}: {p.code} {p.message}" for p in problems]
