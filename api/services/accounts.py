"""Console accounts: creation, passwords, lock-out after wrong passwords, sessions.

Passwords are hashed with argon2id through pwdlib. A session is a random id the browser keeps
in a cookie; only its SHA-256 is stored, with an expiry, so a stolen database holds no usable
session, and signing out or disabling the account ends it at once.
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from api.enums import ROLE_SCOPES, Language, Scope
from api.models import Account, ConsoleSession, Territory
from api.models.base import utcnow
from api.security import Principal, hash_secret

logger = logging.getLogger(__name__)

# People get operator or admin; the assistant role is for programs (API keys).
ACCOUNT_ROLES = ("operator", "admin")
CONSOLE_LANGUAGES = (Language.fr.value, Language.en.value)
PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 200

_hasher = PasswordHash((Argon2Hasher(),))


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified against when the e-mail is unknown, so the answer takes as long either way."""
    return _hasher.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """An account request that cannot be honoured; `code` names the problem, `field` where."""

    def __init__(self, field: str, code: str) -> None:
        super().__init__(f"{field}: {code}")
        self.field = field
        self.code = code


@dataclass(frozen=True)
class SignInResult:
    """What a sign-in attempt gave: a session token, or why not (`invalid`, `locked`)."""

    token: str | None
    account: Account | None
    problem: str | None


def normalise_email(raw: str) -> str:
    """The address as stored: trimmed and lower-cased."""
    return raw.strip().lower()


def check_password(password: str) -> None:
    """AccountError unless the password is long enough (and not absurdly long)."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise AccountError("password", "password_short")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise AccountError("password", "password_long")


def create_account(
    session: Session,
    email: str,
    name: str,
    role: str,
    password: str,
    territories: list[str] | None = None,
    language: str = "fr",
) -> Account:
    """Store a new account with its password hashed."""
    address = normalise_email(email)
    if "@" not in address or len(address) > 254 or address.startswith("@"):
        raise AccountError("email", "email")
    if not name.strip() or len(name.strip()) > 100:
        raise AccountError("name", "name")
    if role not in ACCOUNT_ROLES:
        raise AccountError("role", "choice")
    if language not in CONSOLE_LANGUAGES:
        raise AccountError("language", "choice")
    check_password(password)
    if territories is not None:
        known = set(session.scalars(select(Territory.code)))
        if not territories or set(territories) - known:
            raise AccountError("territories", "choice")
    if session.scalar(select(Account.id).where(Account.email == address)) is not None:
        raise AccountError("email", "email_taken")
    account = Account(
        email=address,
        name=name.strip(),
        role=role,
        territories=None if territories is None else sorted(set(territories)),
        language=language,
        password_hash=_hasher.hash(password),
        failed_sign_ins=0,
    )
    session.add(account)
    session.flush()
    return account


def find_account(session: Session, email: str) -> Account | None:
    """The account with this e-mail, or None."""
    return session.scalar(select(Account).where(Account.email == normalise_email(email)))


def list_accounts(session: Session) -> list[Account]:
    """Every account, active ones first, by name."""
    return list(
        session.scalars(
            select(Account).order_by(Account.disabled_at.is_not(None), func.lower(Account.name))
        )
    )


def end_sessions(session: Session, account_id: int) -> int:
    """End every open session of the account (at once: each request checks `ended_at`)."""
    result = session.execute(
        update(ConsoleSession)
        .where(ConsoleSession.account_id == account_id, ConsoleSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)


def disable_account(session: Session, account: Account) -> None:
    """Disable the account and end its sessions."""
    account.disabled_at = account.disabled_at or utcnow()
    end_sessions(session, account.id)


def enable_account(session: Session, account: Account) -> None:
    """Let a disabled account sign in again (its old sessions stay ended)."""
    account.disabled_at = None
    account.failed_sign_ins = 0
    account.locked_until = None


def set_password(account: Account, password: str) -> None:
    """Replace the account's password."""
    check_password(password)
    account.password_hash = _hasher.hash(password)


def principal_of(account: Account) -> Principal:
    """What the account may do: its role's scopes and its territories, as an API key."""
    scopes: frozenset[Scope] = ROLE_SCOPES[account.role]
    return Principal(
        key_id=None,
        name=account.email,
        scopes=scopes,
        territories=None if account.territories is None else frozenset(account.territories),
        account_id=account.id,
    )


def sign_in(
    session: Session,
    email: str,
    password: str,
    *,
    attempts: int,
    lockout: timedelta,
    session_length: timedelta,
    now: datetime | None = None,
) -> SignInResult:
    """Check the password; after `attempts` wrong ones in a row the account is locked a while.

    While locked, even the right password is refused, so guessing gains nothing.
    """
    now = now or utcnow()
    account = find_account(session, email) if len(password) <= PASSWORD_MAX_LENGTH else None
    if account is None or account.disabled_at is not None:
        _hasher.verify(password[:PASSWORD_MAX_LENGTH], _dummy_hash())
        return SignInResult(None, account, "invalid")
    if account.locked_until is not None and account.locked_until > now:
        return SignInResult(None, account, "locked")
    valid, new_hash = _hasher.verify_and_update(password, account.password_hash)
    if not valid:
        account.failed_sign_ins += 1
        if account.failed_sign_ins >= attempts:
            account.locked_until = now + lockout
            account.failed_sign_ins = 0
            logger.warning(
                "console account %s locked after %d wrong passwords", account.id, attempts
            )
            return SignInResult(None, account, "locked")
        return SignInResult(None, account, "invalid")
    if new_hash is not None:
        account.password_hash = new_hash
    account.failed_sign_ins = 0
    account.locked_until = None
    # The account's finished sessions are of no use any more: they go when a new one starts.
    session.execute(
        delete(ConsoleSession).where(
            ConsoleSession.account_id == account.id,
            or_(ConsoleSession.ended_at.is_not(None), ConsoleSession.expires_at <= now),
        )
    )
    token = secrets.token_urlsafe(32)
    session.add(
        ConsoleSession(
            token_hash=hash_secret(token), account_id=account.id, expires_at=now + session_length
        )
    )
    return SignInResult(token, account, None)


def account_for_session(
    session: Session, token: str | None, now: datetime | None = None
) -> Account | None:
    """The active account of an unexpired, not ended session, or None."""
    if not token or len(token) > 100:
        return None
    now = now or utcnow()
    row = session.execute(
        select(Account, ConsoleSession.expires_at)
        .join(ConsoleSession, ConsoleSession.account_id == Account.id)
        .where(
            ConsoleSession.token_hash == hash_secret(token),
            ConsoleSession.ended_at.is_(None),
            Account.disabled_at.is_(None),
        )
    ).first()
    if row is None or row.expires_at <= now:
        return None
    account: Account = row.Account
    return account


def end_session(session: Session, token: str | None) -> None:
    """Sign out: this session id is refused from now on."""
    if not token:
        return
    session.execute(
        update(ConsoleSession)
        .where(ConsoleSession.token_hash == hash_secret(token), ConsoleSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
