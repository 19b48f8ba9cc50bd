"""Quota selection with the Sortition Foundation's `sortition-algorithms` (legacy algorithm).

Kept apart from `panel.sampling` so that only a quota draw pays for importing the library
(about a second, with gspread and oauth2client behind it); `panel.sampling.select`
imports this module when a draw uses the quota method.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Generator, Mapping
from itertools import islice
from typing import Any

from sortition_algorithms import SortitionBaseError, find_random_sample
from sortition_algorithms.features import (
    FeatureCollection,
    FeatureValueMinMax,
    set_default_max_flex,
)
from sortition_algorithms.people import People
from sortition_algorithms.utils import override_logging_handlers, set_random_provider

from panel.sampling import BLANK, Quota, SampleError, check_quotas

# sortition-algorithms prints its progress ("Trial number: 1") to stdout by default, which
# broke the CLI's `--json` document and the demo's output. Its two loggers get a NullHandler
# instead and pass records to ours (they carry trial counts, never member details).
override_logging_handlers([logging.NullHandler()], [logging.NullHandler()])


def _code(value: str) -> str:
    return value or BLANK


class IndexedPeople(People):
    """`People` with an index from (feature, value) to the members holding it.

    The library finds "the n-th remaining person in a group" by scanning everyone (O(pool)
    per pick); the index keeps each group's members in the library's own order (insertion
    order, removals preserved), so it picks exactly the person the library would, quickly.
    Person records are never changed by the algorithm, so copies share them.
    """

    def __init__(self, features: list[str]) -> None:
        super().__init__([])
        self._features = features
        self._index: dict[tuple[str, str], dict[str, None]] = {}

    def add_profile(self, key: str, profile: dict[str, str]) -> None:
        self._full_data[key] = profile
        for feature in self._features:
            self._index.setdefault((feature, profile[feature].lower()), {})[key] = None

    def remove(self, person_key: str) -> None:
        profile = self._full_data.pop(person_key)
        for feature in self._features:
            del self._index[(feature, profile[feature].lower())][person_key]

    def _iter_matching(self, feature_name: str, feature_value: str) -> Generator[str]:
        yield from list(self._index.get((feature_name, feature_value.lower()), {}))

    def count_feature_value(self, feature_name: str, feature_value: str) -> int:
        return len(self._index.get((feature_name, feature_value.lower()), {}))

    def find_person_by_position_in_category(
        self, feature_name: str, feature_value: str, position: int
    ) -> str:
        group = self._index.get((feature_name, feature_value.lower()), {})
        if not 1 <= position <= len(group):
            return super().find_person_by_position_in_category(
                feature_name, feature_value, position
            )
        return next(islice(group, position - 1, None))

    def __deepcopy__(self, memo: dict[int, Any]) -> IndexedPeople:
        copy = IndexedPeople(self._features)
        copy._full_data = dict(self._full_data)
        copy._index = {key: dict(keys) for key, keys in self._index.items()}
        return copy


_LIBRARY_RANDOM = threading.Lock()  # the library seeds the global `random` module


def quota_features(
    quotas: list[Quota], profiles: Mapping[int, Mapping[str, str]], size: int
) -> FeatureCollection:
    """Quotas as the library's features; groups the file does not list have no bounds."""
    features: dict[str, dict[str, FeatureValueMinMax]] = {}
    for quota in quotas:
        features.setdefault(quota.dimension, {})[_code(quota.group)] = FeatureValueMinMax(
            min=quota.min, max=quota.max
        )
    for dimension, groups in features.items():
        # sorted: the library breaks ties in feature order, so the order must not depend on
        # string hashing (which differs between processes) for a replay to match
        for value in sorted({_code(profile[dimension]) for profile in profiles.values()}):
            if value not in groups:
                groups[value] = FeatureValueMinMax(min=0, max=size)
    collection: FeatureCollection = features  # type: ignore[assignment]
    set_default_max_flex(collection)
    return collection


def quota_select(
    quotas: list[Quota], profiles: Mapping[int, Mapping[str, str]], size: int, seed: int
) -> list[int]:
    """`size` member ids meeting every quota, chosen at random (sortition-algorithms legacy)."""
    problems = check_quotas(quotas, profiles, size)
    if problems:
        raise SampleError(problems)
    dimensions = list(dict.fromkeys(q.dimension for q in quotas))
    features = quota_features(quotas, profiles, size)
    people = IndexedPeople(dimensions)
    for member_id, profile in profiles.items():
        people.add_profile(str(member_id), {d: _code(profile[d]) for d in dimensions})
    with _LIBRARY_RANDOM:
        # the library seeds the global `random` module: put its state back afterwards, so a
        # draw's seed never makes anything else in the process predictable
        state = random.getstate()
        set_random_provider(seed)
        try:
            committees, _report = find_random_sample(
                features, people, size, [], selection_algorithm="legacy", max_attempts=20
            )
        except SortitionBaseError as error:
            raise SampleError([f"the quotas could not be met together: {error}"]) from None
        finally:
            set_random_provider(None)
            random.setstate(state)
    return sorted(int(key) for key in committees[0])
