"""The questions waiting for Start or Cancel: answered once, by their user, in time."""

from __future__ import annotations

from bot.core.confirmations import Confirmations, Unavailable


def test_a_question_is_taken_once_by_its_user() -> None:
    now = [100.0]
    questions: Confirmations[str] = Confirmations(expiry=60, clock=lambda: now[0])
    key, expires_at = questions.ask(7, "the plan")
    assert expires_at == 160.0
    assert questions.take(key, 8) is Unavailable.NOT_YOURS
    assert questions.take(key, 7) == "the plan"
    assert questions.take(key, 7) is Unavailable.ANSWERED  # a double click


def test_an_old_or_unknown_question_has_expired() -> None:
    now = [100.0]
    questions: Confirmations[str] = Confirmations(expiry=60, clock=lambda: now[0])
    key, _ = questions.ask(7, "late")
    now[0] = 160.0
    assert questions.take(key, 7) is Unavailable.EXPIRED
    assert questions.take("from-before-a-restart", 7) is Unavailable.EXPIRED


def test_old_questions_are_forgotten() -> None:
    now = [0.0]
    questions: Confirmations[int] = Confirmations(expiry=10, clock=lambda: now[0])
    first, _ = questions.ask(1, 1)
    assert questions.take(first, 1) == 1
    now[0] = 20.0
    questions.ask(1, 2)  # asking again sweeps what expired
    assert questions.take(first, 1) is Unavailable.EXPIRED  # no longer remembered at all
