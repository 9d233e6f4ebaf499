"""Creating and revoking API keys."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.enums import ROLE_SCOPES, Scope
from api.models import ApiKey, Territory
from api.models.base import utcnow
from api.security import NewKey, generate_key


class KeyRequestError(ValueError):
    """A key request that cannot be honoured (unknown role, scope or territory)."""


def scopes_for(role: str | None, scopes: list[str] | None) -> list[str]:
    """The scopes of a role, plus any extra scopes named one by one."""
    chosen: set[Scope] = set()
    if role is not None:
        if role not in ROLE_SCOPES:
            raise KeyRequestError(f"unknown role {role!r}; choose one of {', '.join(ROLE_SCOPES)}")
        chosen |= ROLE_SCOPES[role]
    for name in scopes or []:
        try:
            chosen.add(Scope(name))
        except ValueError:
            raise KeyRequestError(f"unknown scope {name!r}") from None
    if not chosen:
        raise KeyRequestError("a key needs a role or at least one scope")
    return sorted(s.value for s in chosen)


def create_key(
    session: Session,
    name: str,
    role: str | None = None,
    scopes: list[str] | None = None,
    territories: list[str] | None = None,
) -> tuple[ApiKey, NewKey]:
    """Store a new hashed key and return it with its one-time token."""
    if session.scalar(select(ApiKey).where(ApiKey.name == name)) is not None:
        raise KeyRequestError(f"a key named {name!r} already exists")
    if territories is not None:
        known = set(session.scalars(select(Territory.code)))
        unknown = sorted(set(territories) - known)
        if unknown:
            raise KeyRequestError(f"unknown territory {', '.join(unknown)}")
    new = generate_key()
    key = ApiKey(
        name=name,
        prefix=new.prefix,
        secret_hash=new.secret_hash,
        scopes=scopes_for(role, scopes),
        territories=None if territories is None else sorted(set(territories)),
    )
    session.add(key)
    session.flush()
    return key, new


def revoke_key(session: Session, name: str) -> bool:
    """Revoke the key called `name`; False when there is none."""
    key = session.scalar(select(ApiKey).where(ApiKey.name == name))
    if key is None:
        return False
    key.revoked_at = key.revoked_at or utcnow()
    return True
