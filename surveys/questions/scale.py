"""Shared behaviour of the fixed five-point scales (LGA wording)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from surveys import i18n
from surveys.definitions.model import Option
from surveys.questions.base import special_options
from surveys.questions.choice import ChoiceType


def scale_options(scale: str, codes: Sequence[str], languages: Sequence[str]) -> list[Option]:
    return [Option(code, i18n.text_map(f"scale.{scale}.{code}", languages)) for code in codes]


class FivePointScale(ChoiceType):
    """Five labelled points, most positive first as in the LGA question set,
    plus "Don't know" unless ``dont_know: false``."""

    ordered = True
    scale: ClassVar[str]
    codes: ClassVar[tuple[str, ...]]

    def build_options(
        self, spec: Mapping[str, Any], option_sets: Mapping[str, Any], languages: Sequence[str]
    ) -> tuple[Option, ...]:
        return (
            *scale_options(self.scale, self.codes, languages),
            *special_options(spec, languages, dont_know=True),
        )
