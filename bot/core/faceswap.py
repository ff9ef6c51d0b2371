"""/swapface: the aggregator's InsightFace puts the face of one picture into another.

The checks are made before anything is recorded (nothing charged, nothing submitted);
a refusal by the aggregator fails the job like any other submit (refunded) and is said
in words about face swap, since "code 4" or a 404 alone tell the user nothing.
"""

from __future__ import annotations

from bot.core.mj.errors import (
    MJAPIError,
    MJEndpointUnsupportedError,
    MJError,
    MJQueueFullError,
)
from bot.core.models import InputImage
from bot.core.validation import Rejection, RequestRejectedError, check_images


class FaceSwapRefusedError(MJError):
    """The aggregator refused the swap (`reason`: its text) or has no face swap (None)."""

    def __init__(self, reason: str | None, job_id: int | None = None) -> None:
        super().__init__(f"face swap refused: {reason}" if reason else "no face swap here")
        self.reason = reason
        self.job_id = job_id


def check_swap(
    source: bytes, target: bytes, *, enabled: bool, max_bytes: int
) -> tuple[InputImage, InputImage]:
    """The face and the picture as checked images, or a refusal: face swap turned off
    (SWAPFACE_ENABLED), not images, too large, or twice the same image."""
    if not enabled:
        raise RequestRejectedError(Rejection.SWAPFACE_DISABLED)
    face, picture = check_images([source, target], max_bytes=max_bytes)
    if source == target:  # trueai refuses it too, after charging nothing: say it first
        raise RequestRejectedError(Rejection.SWAPFACE_SAME_IMAGE)
    return face, picture


def refused(error: MJError) -> MJError:
    """What the user is told about a failed swap submit: the aggregator's refusal in
    face-swap words; a full queue, timeouts, auth and outages as for any job."""
    if isinstance(error, MJEndpointUnsupportedError):
        return FaceSwapRefusedError(None, error.job_id)
    if isinstance(error, MJAPIError) and not isinstance(error, MJQueueFullError):
        return FaceSwapRefusedError(error.description or f"code {error.code}", error.job_id)
    return error
