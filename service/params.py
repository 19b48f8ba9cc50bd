"""Bounded integers for the HTTP edge: ids and version numbers that reach the database.

Both databases store these in 32-bit `INTEGER` columns. An unbounded `int` from a URL
(`/versions/99999999999999999999`) reached the query and came back as a 500 (PostgreSQL:
"integer out of range"; SQLite: "Python int too large to convert"). Declared with these
types, Litestar (path and query) and msgspec (JSON bodies) refuse anything outside
1 <= n < 2**31 with a 400 that names the field, before any query runs.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar.params import PathParameter, QueryParameter

#: Exclusive upper bound: the largest PostgreSQL `integer` is 2**31 - 1.
DB_INT_LIMIT = 2**31

_BOUNDS = {"ge": 1, "lt": DB_INT_LIMIT}

#: A database id or version number in the path: `site_id: PathInt`.
PathInt = Annotated[int, PathParameter(**_BOUNDS)]

#: An optional one in the query string: `version: QueryInt = None`.
QueryInt = Annotated[int | None, QueryParameter(**_BOUNDS)]

#: One in a msgspec request body: `version: BodyInt | None = None`.
BodyInt = Annotated[int, msgspec.Meta(**_BOUNDS)]
