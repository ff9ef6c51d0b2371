"""The Vary (Region) mask from what the user painted in the browser.

The page sends shapes, never a bitmap: rectangles, lasso polygons and brush strokes in
coordinates relative to the image (0..1 across, 0..1 down; a brush's size relative to the
image's width). Their number and size are bounded, and the server draws them at the
image's own size: white where Midjourney repaints, black where it keeps.

Drawing is bounded too: brush points closer than a quarter of the brush to the last one
kept are dropped (they add nothing visible), and brushes and lassos together may cost at
most `WORK_AREAS` times the image's area in pixels touched (`check_mask`), so a small body
cannot buy seconds of CPU.
"""

from __future__ import annotations

import io
import itertools
import math
from typing import Annotated, Literal

from PIL import Image, ImageDraw
from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_SHAPES = 200
MAX_POINTS_PER_SHAPE = 5000
MAX_POINTS = 20000
MAX_SIDE = 8192  # pixels of the image the mask is drawn for
MAX_PIXELS = 40_000_000
WORK_AREAS = 8  # brushes and lassos may cost at most this many times the image's area
ROW_COST = 32  # what a row of a segment or a lasso's edge costs, in pixels painted
THIN_FRACTION = 0.25  # a brush point closer than this many diameters to the last is dropped

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


class MaskTooComplexError(ValueError):
    """The shapes would take too long to draw (refused like bad shapes)."""


PixelPoint = tuple[float, float]


def check_mask(width: int, height: int, painting: Painting) -> None:
    """Raise MaskSizeError or MaskTooComplexError unless the mask may be drawn; cheap
    (no drawing), so it runs before anything waits for the drawing."""
    _strokes(width, height, painting)


def draw_mask(width: int, height: int, painting: Painting) -> bytes:
    """The mask PNG, `width` x `height`, white inside every shape."""
    strokes = iter(_strokes(width, height, painting))  # the brushes, thinned, in order
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
            _stroke(draw, *next(strokes))
    out = io.BytesIO()
    image.convert("RGB").save(out, format="PNG", optimize=False)
    return out.getvalue()


def _strokes(width: int, height: int, painting: Painting) -> list[tuple[int, list[PixelPoint]]]:
    """Each brush's diameter and its points in pixels, thinned; refused when the image
    is out of bounds or the shapes together would take too long to draw."""
    if width < 1 or height < 1 or max(width, height) > MAX_SIDE or width * height > MAX_PIXELS:
        raise MaskSizeError(f"cannot draw a mask of {width}x{height}")
    strokes: list[tuple[int, list[PixelPoint]]] = []
    work = 0.0  # about the pixels touched: a disc per brush point, a band per segment
    for shape in painting.shapes:
        if isinstance(shape, Brush):
            diameter = max(1, round(shape.size * width))
            points = _thin([(x * width, y * height) for x, y in shape.points], diameter)
            length = sum(math.dist(a, b) for a, b in itertools.pairwise(points))
            work += len(points) * diameter * diameter + (diameter + ROW_COST) * length
            strokes.append((diameter, points))
        elif isinstance(shape, Lasso):  # filled row by row: each edge costs the rows it spans
            ys = [y * height for _, y in shape.points]
            work += ROW_COST * sum(abs(a - b) for a, b in zip(ys, ys[1:] + ys[:1], strict=True))
    if work > WORK_AREAS * width * height:
        raise MaskTooComplexError("the shapes would take too long to draw")
    return strokes


def _thin(points: list[PixelPoint], diameter: int) -> list[PixelPoint]:
    """The points without those closer than a quarter diameter to the last one kept
    (the stroke's last point stays: it is where the stroke ends)."""
    spacing = diameter * THIN_FRACTION
    kept = [points[0]]
    for point in points[1:]:
        if math.dist(point, kept[-1]) >= spacing:
            kept.append(point)
    if points[-1] != kept[-1]:
        kept.append(points[-1])
    return kept


def _stroke(draw: ImageDraw.ImageDraw, diameter: int, points: list[PixelPoint]) -> None:
    """The segments, and a disc at every point kept: round ends and corners, a dot for a
    single tap, and no slivers left between segments (Pillow's wide lines leave some,
    and its joint="curve" does not fill them all). The discs are paid for in `_strokes`."""
    radius = diameter / 2
    if len(points) > 1:
        draw.line(points, fill=255, width=diameter)
    for x, y in points:
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)
