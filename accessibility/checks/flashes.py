"""General and red flashes in a sequence of frames (WCAG 2.3.1), with no browser.

Pure numpy, so it is tested on synthetic frames; the ``flashing`` check feeds it frames from
a screencast of the page. The thresholds are WCAG 2.2's definitions:

- *General flash*: a pair of opposing changes in relative luminance of 10 % or more of the
  maximum (1.0), where the relative luminance of the darker image is below 0.80.
- *Red flash*: a pair of opposing transitions involving a saturated red: one of the two
  states has R / (R + G + B) ≥ 0.8 and the states are more than 0.2 apart in the CIE 1976
  u′v′ chromaticity diagram (the working definition WCAG 2.2 quotes from ISO 9241-391).
- A page fails when there are **more than three** flashes of either kind in any one-second
  period, over a combined area larger than 25 % of any 10-degree visual field: a
  341 × 256 pixel rectangle on a 1024 × 768 screen, scaled here to the viewport.

How it is counted. Each frame is cut into square cells (the mean colour of each); a cell's
relative-luminance series is read as a zig-zag: a *transition* is counted when the series
has moved 0.1 or more against its last extreme and the darker end is below 0.8, so noise and
shallow pulses count nothing and a slow fade counts once per swing. Red transitions are
counted when a cell turns saturated red or stops being so with a chromaticity jump over 0.2.
A flash is two transitions, so a cell flashes more than three times in a window holding eight
transitions or more. For every one-second window starting at a frame, the cells flashing that
often are summed inside every 10-degree field (an integral image); the worst field decides.

Limits, said plainly: frames arrive when the screen changes, and as fast as the machine
allows (the check records the rate it got), so a flicker faster than half that rate can be
under-counted, never over-counted. Flashes in different cells of one window count as
concurrent even when they are out of phase, which can only make the area larger.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from PIL import Image

__all__ = [
    "FIELD_AT_1024X768",
    "Flash",
    "Frame",
    "analyse",
    "field_size",
    "relative_luminance",
]

#: The 10-degree visual field at 1024 × 768 (WCAG's "341 x 256 pixel rectangle").
FIELD_AT_1024X768 = (341, 256)
#: A flash's changes: 10 % of the maximum relative luminance...
LUMINANCE_STEP = 0.1
#: ...where the darker of the two states is below this.
DARKER_BELOW = 0.8
#: Saturated red: R / (R + G + B) at least this...
RED_RATIO = 0.8
#: ...and a jump in u′v′ chromaticity of more than this.
CHROMA_STEP = 0.2
#: Dark pixels carry no reliable hue (JPEG noise near black): a red needs R at least this
#: (of 255), and chromaticity is taken as the white point's below this luminance.
MIN_RED_CHANNEL = 51
MIN_CHROMA_LUMINANCE = 0.005
#: More than this many flashes in one second fail.
MAX_FLASHES = 3
#: Over more than this share of a 10-degree field.
MAX_AREA = 0.25
#: D65 white point in u′v′, the chromaticity of greys and of black.
_WHITE_UV = (0.1978, 0.4683)


@dataclass(frozen=True)
class Frame:
    """One picture of the page: seconds since the capture began and RGB pixels (H × W × 3)."""

    t: float
    rgb: NDArray[np.uint8]


@dataclass(frozen=True)
class Flash:
    """The worst flashing found: its kind, how often, how much of a field, and where."""

    kind: Literal["general", "red"]
    #: Most flashes any failing cell made in the worst one-second window.
    flashes: int
    #: Share of the worst 10-degree field that flashed more than three times in that window.
    area: float
    #: Bounding box (x, y, width, height) in frame pixels of the failing cells in that field.
    box: tuple[int, int, int, int]
    #: The window, in capture seconds.
    start: float
    end: float


def field_size(viewport: tuple[int, int], frame: tuple[int, int]) -> tuple[float, float]:
    """The 10-degree field in frame pixels for a page ``viewport`` (CSS px) shot at ``frame``.

    WCAG's rectangle is for 1024 × 768; a wider or taller viewport on the same screen shows
    more pixels per degree, so each side scales with the viewport's, and then to the frame.
    """
    (vw, vh), (fw, fh) = viewport, frame
    fx, fy = FIELD_AT_1024X768
    return fx * vw / 1024 * fw / vw, fy * vh / 768 * fh / vh


def _linear(srgb: NDArray[np.floating]) -> NDArray[np.floating]:
    c = srgb / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def relative_luminance(rgb: NDArray[np.uint8] | NDArray[np.floating]) -> NDArray[np.floating]:
    """WCAG relative luminance of sRGB values (last axis R, G, B on 0–255)."""
    lin = _linear(np.asarray(rgb, dtype=np.float64))
    result: NDArray[np.floating] = lin @ np.array([0.2126, 0.7152, 0.0722])
    return result


def _cells(rgb: NDArray[np.uint8], cell: int) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
    """Linear and encoded RGB of the mean colour of each ``cell`` × ``cell`` block.

    The mean is taken of the encoded values (Pillow's box reduction, in C): exact for a cell
    of one colour, close enough at the edge of a flashing area, and fast.
    """
    h, w = (rgb.shape[0] // cell) * cell, (rgb.shape[1] // cell) * cell
    pixels = np.ascontiguousarray(rgb[:h, :w], dtype=np.uint8)
    enc = np.asarray(Image.fromarray(pixels).reduce(cell), dtype=np.float64)
    return _linear(enc), enc


def _luminance_transitions(lum: NDArray[np.floating]) -> NDArray[np.bool_]:
    """Zig-zag transitions of each cell's luminance series (T × h × w → T × h × w)."""
    first = lum[0]
    low, high = first.copy(), first.copy()  # extremes since the last transition
    direction = np.zeros(first.shape, dtype=np.int8)  # +1 rising, -1 falling, 0 not yet
    out = np.zeros(lum.shape, dtype=bool)
    for k in range(1, lum.shape[0]):
        v = lum[k]
        rise = (v - low >= LUMINANCE_STEP) & (low < DARKER_BELOW) & (direction <= 0)
        fall = (high - v >= LUMINANCE_STEP) & (v < DARKER_BELOW) & (direction >= 0)
        fall &= ~rise  # from "not yet" only one way per frame
        out[k] = rise | fall
        direction = np.where(rise, 1, np.where(fall, -1, direction)).astype(np.int8)
        # A new run starts at this sample; otherwise the extremes stretch.
        high = np.where(rise | fall, v, np.maximum(high, v))
        low = np.where(rise | fall, v, np.minimum(low, v))
    return out


def _chromaticity(lin: NDArray[np.floating]) -> NDArray[np.floating]:
    """u′v′ of linear sRGB (… × 3 → … × 2); near black, the white point."""
    to_xyz = np.array(
        [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]
    )
    xyz = lin @ to_xyz.T
    x, y, z = xyz[..., 0], xyz[..., 1], xyz[..., 2]
    d = x + 15 * y + 3 * z
    dark = y < MIN_CHROMA_LUMINANCE
    safe = np.where(d > 0, d, 1.0)
    u = np.where(dark, _WHITE_UV[0], 4 * x / safe)
    v = np.where(dark, _WHITE_UV[1], 9 * y / safe)
    return np.stack([u, v], axis=-1)


def _red_transitions(lin: NDArray[np.floating], enc: NDArray[np.floating]) -> NDArray[np.bool_]:
    """Transitions into or out of saturated red with a chromaticity jump over 0.2."""
    total = enc.sum(axis=-1)
    red = (enc[..., 0] >= MIN_RED_CHANNEL) & (
        enc[..., 0] >= RED_RATIO * np.where(total > 0, total, 1.0)
    )
    uv = _chromaticity(lin)
    state = red[0].copy()
    ref = uv[0].copy()
    out = np.zeros(red.shape, dtype=bool)
    for k in range(1, red.shape[0]):
        flip = red[k] != state
        fire = flip & (np.linalg.norm(uv[k] - ref, axis=-1) > CHROMA_STEP)
        out[k] = fire
        state = np.where(fire, red[k], state)
        # The state's colour follows it while it holds; a flip that is no jump leaves it.
        ref = np.where((fire | ~flip)[..., None], uv[k], ref)
    return out


def _worst_field(mask: NDArray[np.bool_], field: tuple[int, int]) -> tuple[float, tuple[int, int]]:
    """Largest share of failing cells in any ``field`` (cells) window, and its top-left."""
    fh, fw = min(field[0], mask.shape[0]), min(field[1], mask.shape[1])
    integral = np.zeros((mask.shape[0] + 1, mask.shape[1] + 1))
    integral[1:, 1:] = mask.cumsum(axis=0).cumsum(axis=1)
    sums = integral[fh:, fw:] - integral[:-fh, fw:] - integral[fh:, :-fw] + integral[:-fh, :-fw]
    y, x = np.unravel_index(int(np.argmax(sums)), sums.shape)
    return float(sums[y, x]) / (field[0] * field[1]), (int(y), int(x))


def analyse(
    frames: Sequence[Frame],
    field: tuple[float, float],
    *,
    cell: int = 8,
) -> list[Flash]:
    """The failing flashes in ``frames`` (at most one general and one red), worst first.

    ``field`` is the 10-degree field (width, height) in frame pixels (:func:`field_size`);
    ``cell`` the side in frame pixels of the squares whose mean colour is followed.
    """
    if len(frames) < 3:
        return []
    shape = frames[0].rgb.shape
    usable = [f for f in frames if f.rgb.shape == shape]
    times = np.array([f.t for f in usable])
    lin, enc = zip(*(_cells(f.rgb, cell) for f in usable), strict=True)
    lin_a, enc_a = np.stack(lin), np.stack(enc)
    field_cells = (max(1, round(field[1] / cell)), max(1, round(field[0] / cell)))
    found: list[Flash] = []
    kinds: list[tuple[Literal["general", "red"], NDArray[np.bool_]]] = [
        ("general", _luminance_transitions(lin_a @ np.array([0.2126, 0.7152, 0.0722]))),
        ("red", _red_transitions(lin_a, enc_a)),
    ]
    for kind, transitions in kinds:
        if transitions.sum(axis=0).max() <= 2 * MAX_FLASHES:
            continue  # no cell changed often enough in the whole capture
        counts = np.concatenate([np.zeros((1, *transitions.shape[1:])), transitions.cumsum(0)])
        worst: Flash | None = None
        for i, start in enumerate(times):
            end = int(np.searchsorted(times, start + 1.0, side="left"))
            # Transitions at frames i..end-1 (the one at frame i, a change from the frame
            # before, happened at the window's start).
            flashes = (counts[end] - counts[i]) // 2
            failing = flashes > MAX_FLASHES
            if not failing.any():
                continue
            area, (y, x) = _worst_field(failing, field_cells)
            if area <= MAX_AREA:
                continue
            inside = failing[y : y + field_cells[0], x : x + field_cells[1]]
            ys, xs = np.nonzero(inside)
            box = (
                int((x + xs.min()) * cell),
                int((y + ys.min()) * cell),
                int((xs.max() - xs.min() + 1) * cell),
                int((ys.max() - ys.min() + 1) * cell),
            )
            candidate = Flash(
                kind=kind,
                flashes=int(flashes[failing].max()),
                area=round(min(area, 1.0), 3),
                box=box,
                start=float(start),
                end=float(times[end - 1]),
            )
            if worst is None or (candidate.area, candidate.flashes) > (worst.area, worst.flashes):
                worst = candidate
        if worst is not None:
            found.append(worst)
    return sorted(found, key=lambda f: (-f.area, -f.flashes))
