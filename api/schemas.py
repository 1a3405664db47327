"""Shared schema bases. Inputs forbid unknown fields; outputs read from ORM objects."""

from __future__ import annotations

from typing import Generic, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict

T = TypeVar("T")


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Output(BaseModel):
    # every field is always in the response, defaults included: say so in the OpenAPI schema
    model_config = ConfigDict(from_attributes=True, json_schema_serialization_defaults_required=True)


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


class Items(BaseModel, Generic[T]):
    items: list[T]


class UserRef(Output):
    id: UUID
    display_name: str


class NamedRef(Output):
    id: UUID
    name: str
