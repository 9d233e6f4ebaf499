"""A page of a list."""

from typing import Generic, TypeVar

from pydantic import BaseModel

T = TypeVar("T")

# A bound keeps OFFSET within what every database accepts.
PAGE_MAX = 1_000_000


class Page(BaseModel, Generic[T]):
    """One page of results and how many there are in all."""

    items: list[T]
    total: int
    page: int
    page_size: int
