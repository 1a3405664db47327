"""Keyset pagination: an opaque cursor holding the last row's sort value and id."""

from __future__ import annotations

import base64
import uuid
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Integer, Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

from domain.errors import FieldError

MAX_LIMIT = 200


def encode_cursor(value: Any, row_id: Any) -> str:
    if isinstance(value, datetime | date):
        value = {"t": value.isoformat()}
    return base64.urlsafe_b64encode(orjson.dumps([value, str(row_id)])).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[Any, uuid.UUID | str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, row_id = orjson.loads(raw)
    except (ValueError, TypeError) as exc:
        raise FieldError("cursor", "is not a cursor returned by this list") from exc
    if isinstance(value, dict) and "t" in value:
        value = datetime.fromisoformat(value["t"])
    try:
        return value, uuid.UUID(row_id)
    except (ValueError, TypeError):
        return value, row_id


def keyset(
    stmt: Select[Any],
    sort_col: InstrumentedAttribute | ColumnElement[Any],
    id_col: InstrumentedAttribute,
    descending: bool,
    cursor: str | None,
    limit: int,
    nullable: bool = False,
) -> Select[Any]:
    """Order by (sort, id) and continue after the cursor. Nullable sort columns put NULLs
    last in both directions, and the cursor knows when it is already among the NULLs."""
    if cursor:
        value, decoded_id = decode_cursor(cursor)
        last_id: Any = decoded_id
        if isinstance(id_col.type, Integer) and not isinstance(last_id, int):  # bigint ids (tasks)
            try:
                last_id = int(str(last_id))
            except ValueError as exc:
                raise FieldError("cursor", "is not a cursor returned by this list") from exc
        if nullable and value is None:
            cond = and_(sort_col.is_(None), id_col < last_id if descending else id_col > last_id)
        elif descending:
            cond = or_(sort_col < value, and_(sort_col == value, id_col < last_id))
            if nullable:
                cond = or_(cond, sort_col.is_(None))
        else:
            cond = or_(sort_col > value, and_(sort_col == value, id_col > last_id))
            if nullable:
                cond = or_(cond, sort_col.is_(None))
        stmt = stmt.where(cond)
    if descending:
        order = [sort_col.desc().nulls_last() if nullable else sort_col.desc(), id_col.desc()]
    else:
        order = [sort_col.asc().nulls_last() if nullable else sort_col.asc(), id_col.asc()]
    return stmt.order_by(*order).limit(min(max(limit, 1), MAX_LIMIT) + 1)


def page(rows: list[Any], limit: int, sort_value: Any, row_id: Any) -> tuple[list[Any], str | None]:
    """Trim the look-ahead row and build the next cursor from the last row kept."""
    limit = min(max(limit, 1), MAX_LIMIT)
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, encode_cursor(sort_value(last), row_id(last))
