"""Images of /imagine through the aggregator's `upload-discord-images`, where it has one.

The uploaded images' URLs go into the prompt (a small submit, and the only way style and
character references work); without the endpoint image prompts go as `base64Array` and
references are refused before anything is recorded or charged. Whether the aggregator has
it is asked once per process, on first need, and remembered. A question that finds no
answer (the aggregator down, overloaded) counts as "no upload" for `RETRY_PROBE_SECONDS`:
image prompts then go as `base64Array`, so one outage never blocks /imagine.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable

from bot.core.image_inputs import ImagineImages
from bot.core.mj.client import MJClient
from bot.core.mj.errors import (
    MJAuthError,
    MJEndpointUnsupportedError,
    MJError,
    MJRateLimitedError,
    MJServerError,
    MJTimeoutError,
    MJTransportError,
)
from bot.core.mj.schemas import BotType, SpeedMode, Submission
from bot.core.validation import Rejection, RequestRejectedError, to_data_url

log = logging.getLogger(__name__)

RETRY_PROBE_SECONDS = 300.0
REUSE_UPLOAD_SECONDS = 600.0  # far inside the hours an uploaded image's URL lives
REUSE_UPLOADS_KEPT = 32


class ImageUploadError(MJError):
    """The images could not be uploaded, so nothing was submitted (`cause` says why).
    Never a timeout to the starter: an upload starts no task that could still run."""

    def __init__(self, cause: MJError) -> None:
        self.cause = cause
        super().__init__(f"image upload failed: {cause}")


class ImageUploads:
    def __init__(self, client: MJClient, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._client = client
        self._available: bool | None = None  # None: not asked yet (or the answer was lost)
        self._unanswered_at: float | None = None  # when the last question found no answer
        self._asking = asyncio.Lock()
        self._clock = clock
        # image hashes -> (when, their URLs): the last few uploads, reused for a while
        self._recent: dict[tuple[str, ...], tuple[float, tuple[str, ...]]] = {}

    async def available(self) -> bool | None:
        """Whether the aggregator has upload-discord-images. Asked with an empty upload
        (nothing to store, nothing charged): a 404 means it has none, any other answer,
        even a refusal of the empty list, that it has. None: it could not be asked (down,
        overloaded, too slow); asked again after RETRY_PROBE_SECONDS."""
        async with self._asking:
            if self._available is not None:
                return self._available
            since = self._unanswered_at
            if since is not None and self._clock() - since < RETRY_PROBE_SECONDS:
                return None
            try:
                self._available = await self._probe()
            except MJError as exc:
                self._unanswered_at = self._clock()
                log.warning(
                    "could not ask the aggregator whether it has upload-discord-images (%s); "
                    "image prompts go as base64Array, asked again in %g s",
                    type(exc).__name__,
                    RETRY_PROBE_SECONDS,
                )
                return None
            log.info(
                "the aggregator %s upload-discord-images", "has" if self._available else "has no"
            )
            return self._available

    async def uses_upload(self, images: ImagineImages) -> bool:
        """How this /imagine sends its images; references without uploads are refused
        (before the job is recorded: nothing charged, nothing submitted)."""
        if not images.all:
            return False
        available = await self.available()
        if available:
            return True
        if images.has_references:
            unknown = available is None
            raise RequestRejectedError(
                Rejection.REFERENCES_UNAVAILABLE if unknown else Rejection.REFERENCES_UNSUPPORTED
            )
        return False

    async def imagine(
        self,
        text: str,
        images: ImagineImages,
        *,
        upload: bool,
        bot_type: BotType | None,
        mode: SpeedMode | None,
    ) -> Submission:
        """The imagine submit: uploaded images' URLs in the prompt, else base64Array."""
        if upload:
            try:
                urls = await self._upload(images, mode)
            except ImageUploadError as exc:
                if images.has_references:  # they only work as uploaded URLs
                    raise
                log.warning("image upload failed (%s); sending base64Array instead", exc.cause)
            else:
                prompt = images.prompt_with(text, urls)
                return await self._client.imagine(prompt, bot_type=bot_type, mode=mode)
        data_urls = [to_data_url(image) for image in images.prompts]
        return await self._client.imagine(text, images=data_urls, bot_type=bot_type, mode=mode)

    async def _upload(self, images: ImagineImages, mode: SpeedMode | None) -> list[str]:
        # The jobs of one permutation send the same images: uploaded once, for all.
        key = tuple(hashlib.sha256(image.data).hexdigest() for image in images.all)
        known = self._recent.get(key)
        if known is not None and self._clock() - known[0] < REUSE_UPLOAD_SECONDS:
            return list(known[1])
        try:
            urls = await self._client.upload_images(
                [to_data_url(image) for image in images.all], mode=mode
            )
        except MJEndpointUnsupportedError as exc:
            self._available = False  # gone since it was asked: base64Array from now on
            raise ImageUploadError(exc) from exc
        except MJError as exc:
            raise ImageUploadError(exc) from exc
        self._recent[key] = (self._clock(), tuple(urls))
        while len(self._recent) > REUSE_UPLOADS_KEPT:
            self._recent.pop(next(iter(self._recent)))
        return urls

    async def _probe(self) -> bool:
        try:
            # Not told to the health observers: a key not allowed uploads (403) is no
            # alert about the key, a 404 no failure.
            await self._client.upload_images([], observe=False)
        except MJEndpointUnsupportedError:
            return False
        except MJAuthError as exc:
            if exc.status == 403:  # a key not allowed the upload model (new-api mj_upload)
                return False
            raise
        except (MJTransportError, MJServerError, MJRateLimitedError, MJTimeoutError):
            raise  # no answer: `available` says "unknown" for a while
        except MJError:
            return True  # it answered: the endpoint exists (and refused an empty list)
        return True
