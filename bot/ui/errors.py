"""One place that turns exceptions into what the user reads, and what the operator logs."""

from __future__ import annotations

import logging

from bot.core.faceswap import FaceSwapRefusedError
from bot.core.i18n import t
from bot.core.image_uploads import ImageUploadError
from bot.core.mj.errors import (
    MJAPIError,
    MJAuthError,
    MJBannedPromptError,
    MJError,
    MJQueueFullError,
    MJRateLimitedError,
    MJTimeoutError,
)
from bot.core.validation import RequestRejectedError

log = logging.getLogger(__name__)


def user_message(error: BaseException, locale: str | None) -> str:
    """Localized text for a failure; logs what only the operator should see."""
    if isinstance(error, RequestRejectedError):
        return rejection_message(error, locale)
    if isinstance(error, ImageUploadError):  # the job was failed and refunded
        # An upload starts no task: "it may still have started" would be wrong here.
        cause = error.cause
        slow = isinstance(cause, MJTimeoutError)
        reason = t("error.upload_slow", locale) if slow else user_message(cause, locale)
        return t("error.upload_failed", locale, reason=reason)
    if isinstance(error, MJBannedPromptError):
        word = error.banned_word
        return t("error.banned", locale, word=word) if word else t("error.banned_unknown", locale)
    if isinstance(error, MJQueueFullError):
        return t("error.queue_full", locale)
    if isinstance(error, MJAuthError):
        log.error(
            "the aggregator refused the API key (HTTP %s: %s); check MJ_API_KEY and MJ_AUTH_STYLE",
            error.status,
            error,
        )
        return t("error.misconfigured", locale)
    if isinstance(error, MJRateLimitedError):
        return t("error.rate_limited", locale)
    if isinstance(error, FaceSwapRefusedError):
        if error.reason is None:
            return t("error.swapface_unsupported", locale)
        return t("error.swapface_refused", locale, reason=error.reason)
    if isinstance(error, MJAPIError):
        return t("error.refused", locale, reason=error.description or f"code {error.code}")
    if isinstance(error, MJTimeoutError):
        log.warning("aggregator timed out: %s", error)
        return t("error.maybe_submitted", locale)
    if isinstance(error, MJError):
        log.warning("aggregator unavailable: %s", error)
        return t("error.unavailable", locale)
    log.error("unexpected error", exc_info=error)
    return t("error.unexpected", locale)


def rejection_message(error: RequestRejectedError, locale: str | None) -> str:
    params = dict(error.params)
    if "owner_id" in params:
        params["owner"] = f"<@{params.pop('owner_id')}>"
    return t(f"error.{error.reason.value}", locale, **params)
