"""Shared schema bases. Inputs forbid unknown fields; outputs read from ORM objects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Generic, TypeVar
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from domain.contact_info import normalize_mobile, normalize_phone
from domain.uscc import validate_uscc

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


def _blank_to_none(parse: Callable[[str], str]) -> Callable[[str | None], str | None]:
    """Optional text fields: "" means absent; otherwise the domain rule parses or refuses
    (its ValueError becomes the field's 422 message)."""

    def check(value: str | None) -> str | None:
        return parse(value) if value else None

    return check


# validated and normalised value types shared by every schema that takes them
MobileNumber = Annotated[
    str | None,
    Field(max_length=32, description="mobile, E.164 (Chinese numbers may omit +86)"),
    AfterValidator(_blank_to_none(normalize_mobile)),
]
PhoneNumber = Annotated[str | None, Field(max_length=32), AfterValidator(_blank_to_none(normalize_phone))]
Uscc = Annotated[
    str | None,
    Field(max_length=32, description="统一社会信用代码, GB 32100-2015 check digit"),
    AfterValidator(_blank_to_none(validate_uscc)),
]
