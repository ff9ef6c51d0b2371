"""MODAL_SUBMIT `data.components`, shaped like what the Discord client sends back."""

from __future__ import annotations

from typing import Any, Literal

ACTION_ROW, STRING_SELECT, TEXT_INPUT, LABEL = 1, 3, 4, 18


def submitted_components(
    opened: list[dict[str, Any]] | None,
    values: dict[str, str | list[str]],
    layout: Literal["auto", "label", "action_row"],
) -> list[dict[str, Any]]:
    """Mirror the opened modal when known; else build Label (type 18) or action-row forms."""
    if opened is not None:
        remaining = dict(values)
        submitted = [_mirror(component, remaining) for component in opened]
        if remaining:
            raise AssertionError(f"the opened modal has no inputs named {sorted(remaining)}")
        return submitted
    built: list[dict[str, Any]] = []
    for index, (custom_id, value) in enumerate(values.items()):
        inner = _answer(custom_id, value, 2 * index + 2)
        if layout == "action_row":
            built.append({"type": ACTION_ROW, "id": 2 * index + 1, "components": [inner]})
        else:
            built.append({"type": LABEL, "id": 2 * index + 1, "component": inner})
    return built


def _answer(custom_id: str, value: str | list[str], component_id: int) -> dict[str, Any]:
    if isinstance(value, list):
        return {"type": STRING_SELECT, "id": component_id, "custom_id": custom_id, "values": value}
    return {"type": TEXT_INPUT, "id": component_id, "custom_id": custom_id, "value": value}


def _mirror(component: dict[str, Any], values: dict[str, str | list[str]]) -> dict[str, Any]:
    kind, component_id = component["type"], component.get("id")
    if kind == ACTION_ROW:
        inner = [_input(c, values) for c in component.get("components", [])]
        return {"type": ACTION_ROW, "id": component_id, "components": inner}
    if kind == LABEL:
        return {
            "type": LABEL,
            "id": component_id,
            "component": _input(component["component"], values),
        }
    return {"type": kind, "id": component_id}  # text displays etc. carry no value


def _input(component: dict[str, Any], values: dict[str, str | list[str]]) -> dict[str, Any]:
    """One answered input; refuses what the Discord client would refuse to submit."""
    kind, custom_id = component["type"], component.get("custom_id", "")
    answered: dict[str, Any] = {"type": kind, "id": component.get("id"), "custom_id": custom_id}
    required = component.get("required", True)
    if kind == TEXT_INPUT:
        value = values.pop(custom_id, component.get("value") or "")
        if not isinstance(value, str):
            raise AssertionError(f"text input {custom_id!r} takes a str")
        low, high = component.get("min_length") or 0, component.get("max_length") or 4000
        if (value or required) and not max(low, 1 if required else 0) <= len(value) <= high:
            raise AssertionError(
                f"Discord would not submit {custom_id!r}: length {len(value)} not in {low}..{high}"
                f"{' (required)' if required else ''}"
            )
        answered["value"] = value
        return answered
    chosen = values.pop(custom_id, [])
    if not isinstance(chosen, list):
        raise AssertionError(f"select {custom_id!r} takes a list of values")
    low = component.get("min_values", 1 if required else 0)
    high = component.get("max_values", 1)
    if not low <= len(chosen) <= high:
        raise AssertionError(f"Discord would not submit {custom_id!r}: pick {low}..{high} values")
    answered["values"] = chosen
    return answered
