"""API keys as admins manage them; the secret is never shown again."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.enums import Scope
from api.models import ApiKey

KeyName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$"),
]
TerritoryCodeIn = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]{1,40}$")]


class KeyCreate(BaseModel):
    """A new key: a role, extra scopes, or both; territories limit an operator."""

    model_config = ConfigDict(extra="forbid")

    name: KeyName = Field(examples=["operator-cantal"])
    role: Literal["assistant", "operator", "admin"] | None = None
    scopes: list[Scope] | None = Field(default=None, max_length=len(Scope))
    territories: list[TerritoryCodeIn] | None = Field(
        default=None, min_length=1, max_length=50, description="Null: every territory."
    )


class KeyOut(BaseModel):
    """A key without its secret."""

    id: int
    name: str
    prefix: str
    scopes: list[str]
    territories: list[str] | None
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, key: ApiKey) -> "KeyOut":
        """The representation of a stored key."""
        return cls(
            id=key.id,
            name=key.name,
            prefix=key.prefix,
            scopes=key.scopes,
            territories=key.territories,
            created_at=key.created_at,
            revoked_at=key.revoked_at,
        )


class KeyCreated(KeyOut):
    """A new key and its token, shown this once."""

    token: str = Field(
        description="Present it as `X-API-Key`; it is not stored and not shown again."
    )
