"""Images of /imagine through the aggregator's `upload-discord-images`, where it has one.

The uploaded images' URLs go into the prompt (a small submit, and the only way style and
character references work); without the endpoint image prompts go as `base64Array` and
references are refused before anything is recorded or charged. Whether the aggregator has
it is asked once per process, on first need, and remembered.
"""

from __future__ import annotations

import asyncio
import logging

from bot.core.image_inputs import ImagineImages
from bot.core.mj.client import MJClient
from bot.core.mj.errors import (
    MJAuthError,
    MJEndpointUnsupportedError,
    MJError,
    MJRateLimitedError,
    MJServerError,
    MJTransportError,
)
from bot.core.mj.schemas import BotType, SpeedMode, Submission
from bot.core.validation import Rejection, RequestRejectedError, to_data_url

log = logging.getLogger(__name__)


class ImageUploadError(MJError):
    """The images could not be uploaded, so nothing was submitted (`cause` says why).
    Never a timeout to the starter: an upload starts no task that could still run."""

    def __init__(self, cause: MJError) -> None:
        self.cause = cause
        super().__init__(f"image upload failed: {cause}")


class ImageUploads:
    def __init__(self, client: MJClient) -> None:
        self._client = client
        self._available: bool | None = None  # None: not asked yet (or the answer was lost)
        self._asking = asyncio.Lock()

    async def available(self) -> bool:
        """Whether the aggregator has upload-discord-images. Asked with an empty upload
        (nothing to store, nothing charged): a 404 means it has none, any other answer,
        even a refusal of the empty list, that it has. Transport and server errors are
        raised and not remembered."""
        async with self._asking:
            if self._available is None:
                self._available = await self._probe()
                log.info(
                    "the aggregator %s upload-discord-images",
                    "has" if self._available else "has no",
                )
            return self._available

    async def uses_upload(self, images: ImagineImages) -> bool:
        """How this /imagine sends its images; references without uploads are refused
        (before the job is recorded: nothing charged, nothing submitted)."""
        if not images.all:
            return False
        if await self.available():
            return True
        if images.has_references:
            raise RequestRejectedError(Rejection.REFERENCES_UNSUPPORTED)
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
        if not upload:
            data_urls = [to_data_url(image) for image in images.prompts]
            return await self._client.imagine(text, images=data_urls, bot_type=bot_type, mode=mode)
        urls = await self._upload(images, mode)
        prompt = images.prompt_with(text, urls)
        return await self._client.imagine(prompt, bot_type=bot_type, mode=mode)

    async def _upload(self, images: ImagineImages, mode: SpeedMode | None) -> list[str]:
        try:
            return await self._client.upload_images(
                [to_data_url(image) for image in images.all], mode=mode
            )
        except MJEndpointUnsupportedError as exc:
            self._available = False  # gone since it was asked: base64Array from now on
            raise ImageUploadError(exc) from exc
        except MJError as exc:
            raise ImageUploadError(exc) from exc

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
        except (MJTransportError, MJServerError, MJRateLimitedError):
            raise
        except MJError:
            return True  # it answered: the endpoint exists (and refused an empty list)
        return True
