"""The Vary (Region) mask from what the user painted in the browser.

The page sends shapes, never a bitmap: rectangles, lasso polygons and brush strokes in
coordinates relative to the image (0..1 across, 0..1 down; a brush's size relative to the
image's width). Their number and size are bounded, and the server draws them at the
image's own size: white where Midjourney repaints, black where it keeps.
"""

from __future__ import annotations

import io
from typing import Annotated, Literal

from PIL import Image, ImageDraw
from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_SHAPES = 200
MAX_POINTS_PER_SHAPE = 5000
MAX_POINTS = 20000
MAX_SIDE = 8192  # pixels of the image the mask is drawn for
MAX_PIXELS = 40_000_000

Coordinate = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Point = tuple[Coordinate, Coordinate]


class _Shape(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Rect(_Shape):
    type: Literal["rect"]
    x1: Coordinate
    y1: Coordinate
    x2: Coordinate
    y2: Coordinate


class Lasso(_Shape):
    type: Literal["lasso"]
    points: list[Point] = Field(min_length=3, max_length=MAX_POINTS_PER_SHAPE)


class Brush(_Shape):
    type: Literal["brush"]
    size: float = Field(gt=0.0, le=0.5, allow_inf_nan=False)  # diameter / image width
    points: list[Point] = Field(min_length=1, max_length=MAX_POINTS_PER_SHAPE)


Shape = Annotated[Rect | Lasso | Brush, Field(discriminator="type")]


class Painting(BaseModel):
    """Everything painted, in the order it was painted (all of it is repainted)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    shapes: list[Shape] = Field(min_length=1, max_length=MAX_SHAPES)

    @model_validator(mode="after")
    def _bounded(self) -> Painting:
        total = sum(len(s.points) for s in self.shapes if not isinstance(s, Rect))
        if total > MAX_POINTS:
            raise ValueError(f"at most {MAX_POINTS} points in all")
        return self


class MaskSizeError(ValueError):
    """The image is too large (or empty) to draw a mask for."""


def draw_mask(width: int, height: int, painting: Painting) -> bytes:
    """The mask PNG, `width` x `height`, white inside every shape."""
    if width < 1 or height < 1 or max(width, height) > MAX_SIDE or width * height > MAX_PIXELS:
        raise MaskSizeError(f"cannot draw a mask of {width}x{height}")
    image = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(image)
    for shape in painting.shapes:
        if isinstance(shape, Rect):
            left, right = sorted((round(shape.x1 * width), round(shape.x2 * width)))
            top, bottom = sorted((round(shape.y1 * height), round(shape.y2 * height)))
            if right > left and bottom > top:  # pixels [left, right) x [top, bottom)
                draw.rectangle((left, top, right - 1, bottom - 1), fill=255)
        elif isinstance(shape, Lasso):
            draw.polygon([(x * width, y * height) for x, y in shape.points], fill=255)
        else:
            _stroke(draw, shape, width, height)
    out = io.BytesIO()
    image.convert("RGB").save(out, format="PNG", optimize=False)
    return out.getvalue()


def _stroke(draw: ImageDraw.ImageDraw, brush: Brush, width: int, height: int) -> None:
    diameter = max(1, round(brush.size * width))
    radius = diameter / 2
    points = [(x * width, y * height) for x, y in brush.points]
    if len(points) > 1:
        draw.line(points, fill=255, width=diameter, joint="curve")
    for x, y in points:  # round ends, and a dot for a single tap
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)
