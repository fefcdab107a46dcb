"""Shared schema building blocks: strict inputs (unknown fields are an error)."""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import ConfigDict


class StrictIn(Schema):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def paged(qs: Any, limit: int, offset: int) -> tuple[list[Any], int]:
    """One COUNT and one page query, whatever the size of the table."""
    return list(qs[offset : offset + limit]), qs.count()
