"""The flash analysis (WCAG 2.3.1) on synthetic frames: no browser, exact thresholds."""

from __future__ import annotations

import math

import numpy as np
import pytest

from accessibility.checks.flashes import Frame, analyse, field_size, relative_luminance

#: Frames as the check takes them: half of a 1280 × 800 viewport.
SIZE = (640, 400)
FIELD = field_size((1280, 800), SIZE)  # about 213 × 133 frame pixels
BLACK, WHITE = (0, 0, 0), (255, 255, 255)
RED = (255, 0, 0)
GREY_AS_RED = (127, 127, 127)  # relative luminance 0.212, red's is 0.2126
BLUE_AS_GREY = (0, 0, 255)


def _square(
    flashes_per_s: float,
    colours: tuple[tuple[int, int, int], tuple[int, int, int]],
    box: tuple[int, int, int, int],
    *,
    seconds: float = 1.5,
    fps: float = 30.0,
    background: tuple[int, int, int] = (243, 242, 241),
) -> list[Frame]:
    """``box`` (x, y, w, h) alternating between two colours, ``flashes_per_s`` full cycles."""
    frames = []
    x, y, w, h = box
    for i in range(int(seconds * fps) + 1):
        t = i / fps
        phase = int(t * flashes_per_s * 2) % 2
        rgb = np.empty((SIZE[1], SIZE[0], 3), dtype=np.uint8)
        rgb[:] = background
        rgb[y : y + h, x : x + w] = colours[phase]
        frames.append(Frame(t=t, rgb=rgb))
    return frames


BIG = (100, 80, 200, 120)  # 24,000 px² of a 28,400 px² field: 85 %
SMALL = (100, 80, 60, 60)  # 3,600 px²: 13 %


def test_field_is_wcag_rectangle_scaled_to_viewport_and_frame() -> None:
    assert field_size((1024, 768), (1024, 768)) == pytest.approx((341, 256))
    assert field_size((1280, 800), (640, 400)) == pytest.approx(
        (341 * 1.25 / 2, 256 * 800 / 768 / 2)
    )


def test_relative_luminance_matches_wcag() -> None:
    assert relative_luminance(np.array(WHITE)) == pytest.approx(1.0)
    assert relative_luminance(np.array(BLACK)) == pytest.approx(0.0)
    assert relative_luminance(np.array(RED)) == pytest.approx(0.2126)
    assert relative_luminance(np.array(GREY_AS_RED)) == pytest.approx(0.2122, abs=1e-3)


def test_two_flashes_a_second_pass() -> None:
    assert analyse(_square(2, (BLACK, WHITE), BIG), FIELD) == []


def test_three_flashes_a_second_pass_four_fail() -> None:
    assert analyse(_square(3, (BLACK, WHITE), BIG), FIELD) == []
    found = analyse(_square(4, (BLACK, WHITE), BIG), FIELD)
    assert [f.kind for f in found] == ["general"]
    assert found[0].flashes == 4


def test_failing_flash_reports_where_and_how_much() -> None:
    (flash,) = analyse(_square(5, (BLACK, WHITE), BIG), FIELD)
    assert flash.flashes == 5
    assert flash.area > 0.25
    x, y, w, h = flash.box
    # The box is the flashing square, to a cell (8 px), within one field.
    assert 96 <= x <= 104 and 80 <= y <= 88
    assert w <= FIELD[0] + 8 and h <= FIELD[1] + 8
    assert x + w <= 308 and y + h <= 208
    assert flash.end - flash.start < 1.0


def test_small_area_passes_however_fast() -> None:
    assert analyse(_square(8, (BLACK, WHITE), SMALL), FIELD) == []


def test_area_threshold_is_a_quarter_of_the_field() -> None:
    side = int(math.sqrt(FIELD[0] * FIELD[1] * 0.25))
    just_under = (100, 80, side - 16, side - 16)
    just_over = (100, 80, side + 16, side + 16)
    assert analyse(_square(5, (BLACK, WHITE), just_under), FIELD) == []
    assert analyse(_square(5, (BLACK, WHITE), just_over), FIELD)


def test_red_flash_without_luminance_change() -> None:
    frames = _square(5, (RED, GREY_AS_RED), BIG)
    found = analyse(frames, FIELD)
    assert [f.kind for f in found] == ["red"]
    # The same rhythm in blue and grey changes neither luminance enough nor involves red.
    assert analyse(_square(5, (BLUE_AS_GREY, (50, 50, 50)), BIG), FIELD) == []


def test_red_and_black_is_both_kinds() -> None:
    kinds = {f.kind for f in analyse(_square(5, (RED, BLACK), BIG), FIELD)}
    assert kinds == {"general", "red"}


def test_slow_fade_is_no_flash_but_a_fast_one_is() -> None:
    def fade(cycles_per_s: float) -> list[Frame]:
        frames = []
        for i in range(46):
            t = i / 30
            level = round(127.5 + 127.5 * math.sin(2 * math.pi * cycles_per_s * t))
            rgb = np.full((SIZE[1], SIZE[0], 3), 243, dtype=np.uint8)
            rgb[80:200, 100:300] = level
            frames.append(Frame(t=t, rgb=rgb))
        return frames

    assert analyse(fade(1.0), FIELD) == []
    assert analyse(fade(5.0), FIELD)


def test_light_flicker_where_the_darker_state_is_bright_passes() -> None:
    light = (240, 240, 240)  # relative luminance 0.87: both states above 0.8
    assert analyse(_square(6, (WHITE, light), BIG), FIELD) == []


def test_shallow_flicker_passes() -> None:
    # Luminance 0.20 vs 0.26: a 6 % change, under the 10 % of a flash.
    assert analyse(_square(6, ((124, 124, 124), (140, 140, 140)), BIG), FIELD) == []


def test_frames_only_at_changes_as_a_screencast_sends_them() -> None:
    """Frames arrive when the screen changes: one per state, at the toggles' times."""
    frames = []
    for k in range(14):  # five flashes a second: a toggle every 100 ms for 1.3 s
        rgb = np.full((SIZE[1], SIZE[0], 3), 243, dtype=np.uint8)
        rgb[80:200, 100:300] = (BLACK, WHITE)[k % 2]
        frames.append(Frame(t=k / 10, rgb=rgb))
    assert analyse(frames, FIELD)[0].flashes == 5
    # One frame lost (two toggles merged into one picture) leaves four flashes in a second.
    assert analyse(frames[:5] + frames[7:], FIELD)[0].flashes == 4
    # Two lost leave three at most in any second: under-counted, never over-counted.
    assert analyse(frames[:4] + frames[6:8] + frames[10:], FIELD) == []


def test_static_and_short_captures_find_nothing() -> None:
    still = _square(0, (BLACK, WHITE), BIG)
    assert analyse(still, FIELD) == []
    assert analyse(still[:2], FIELD) == []
