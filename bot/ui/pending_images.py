"""Images picked with "Use as image prompt", kept until the user submits the prompt modal.

A modal must be the menu's first answer (3 s), and its custom_id (100 characters) cannot
hold a CDN URL: the modal carries the message id, the image waits here. In memory only: a
modal left open across a restart, or for longer than `ttl`, is answered "use it again".
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable

from bot.ui.message_images import MessageImage

MODAL_PREFIX = "mji:v1:"
MODAL_ID = re.compile(r"mji:v1:(?P<message>[0-9]{1,20})")

Key = tuple[int, int, int]  # user, channel, message


def modal_id(message_id: int) -> str:
    return f"{MODAL_PREFIX}{message_id}"


class PendingImages:
    def __init__(
        self,
        *,
        ttl: float = 3600.0,
        capacity: int = 1000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl
        self._capacity = capacity
        self._clock = clock
        self._images: OrderedDict[Key, tuple[float, MessageImage]] = OrderedDict()

    def put(self, key: Key, image: MessageImage) -> None:
        self._images.pop(key, None)
        self._images[key] = (self._clock(), image)
        while len(self._images) > self._capacity:
            self._images.popitem(last=False)  # the oldest first

    def take(self, key: Key) -> MessageImage | None:
        """The image, once, while its modal may still be answered."""
        found = self._images.pop(key, None)
        if found is None or self._clock() - found[0] > self._ttl:
            return None
        return found[1]
