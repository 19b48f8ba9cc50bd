"""How long an animated image plays, read from its bytes as Chromium would play it."""

from __future__ import annotations

import io

from PIL import Image

from accessibility.checks.animated_images import animation_length


def _encode(fmt: str, durations: list[int], **params: object) -> bytes:
    frames = [Image.new("RGB", (20, 10), (40 * i, 0, 0)) for i in range(len(durations))]
    out = io.BytesIO()
    frames[0].save(
        out,
        format=fmt,
        save_all=len(frames) > 1,
        append_images=frames[1:],
        duration=durations if len(durations) > 1 else durations[0],
        **params,
    )
    return out.getvalue()


def test_gif_loop_counts_as_chromium_plays_them() -> None:
    forever = animation_length(_encode("GIF", [500] * 4, loop=0))
    assert forever == {
        "format": "GIF",
        "frames": 4,
        "cycle_s": 2.0,
        "plays": None,
        "seconds": None,
    }
    once = animation_length(_encode("GIF", [500] * 4))  # no loop extension: once
    assert once is not None and (once["plays"], once["seconds"]) == (1, 2.0)
    # A loop count of 2 means two repeats after the first play.
    thrice = animation_length(_encode("GIF", [500] * 4, loop=2))
    assert thrice is not None and (thrice["plays"], thrice["seconds"]) == (3, 6.0)


def test_very_short_frames_last_100_ms() -> None:
    strobe = animation_length(_encode("GIF", [0, 10], loop=0))
    assert strobe is not None and strobe["cycle_s"] == 0.2
    kept = animation_length(_encode("GIF", [20, 20], loop=0))
    assert kept is not None and kept["cycle_s"] == 0.04


def test_apng_and_webp_count_plays() -> None:
    apng = animation_length(_encode("PNG", [400] * 3, loop=2))
    assert apng is not None and (apng["format"], apng["plays"], apng["seconds"]) == (
        "APNG",
        2,
        2.4,
    )
    webp = animation_length(_encode("WEBP", [600] * 4, loop=3, lossless=True))
    assert webp is not None and (webp["format"], webp["plays"], webp["seconds"]) == (
        "WebP",
        3,
        7.2,
    )
    endless = animation_length(_encode("WEBP", [600] * 4, loop=0, lossless=True))
    assert endless is not None and endless["plays"] is None


def test_still_and_broken_images_are_not_animations() -> None:
    assert animation_length(_encode("GIF", [100])) is None
    assert animation_length(_encode("PNG", [100])) is None
    assert animation_length(b"GIF89a not really") is None
    assert animation_length(b"") is None
