"""`emile-api`: migrations, seeding, API keys, console accounts and retention."""

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from api.db import make_engine, make_sessionmaker
from api.settings import Settings, get_settings


@contextmanager
def _session(settings: Settings) -> Iterator[Session]:
    engine = make_engine(settings)
    try:
        with make_sessionmaker(engine)() as session:
            yield session
            session.commit()
    finally:
        engine.dispose()


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    """Apply the migrations."""
    from api.migrate import upgrade

    engine = make_engine(settings)
    with engine.begin() as conn:
        upgrade(conn)
    engine.dispose()
    print(f"database ready: {engine.url.render_as_string(hide_password=True)}")
    return 0


def cmd_seed_territories(args: argparse.Namespace, settings: Settings) -> int:
    """Load the territory catalogue from its data file."""
    from api.services.territories import TerritoryFileError, load_territory_file, seed_territories

    path = args.file or settings.territories_file
    try:
        # Checked before connecting, so that a bad file never touches the database.
        load_territory_file(path)
    except TerritoryFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with _session(settings) as session:
        count = seed_territories(session, path)
    print(f"{count} territories loaded")
    return 0


def cmd_seed_workshops(args: argparse.Namespace, settings: Settings) -> int:
    """Add a few sample upcoming workshops when there are none."""
    from api.services.workshops import seed_sample_workshops

    with _session(settings) as session:
        count = seed_sample_workshops(session, timezone=settings.timezone)
    print(f"{count} sample workshops added")
    return 0


def cmd_create_key(args: argparse.Namespace, settings: Settings) -> int:
    """Create an API key and print its token once."""
    from api.services.keys import KeyRequestError, create_key

    try:
        with _session(settings) as session:
            key, new = create_key(
                session, args.name, role=args.role, scopes=args.scope, territories=args.territory
            )
            scopes = ", ".join(key.scopes)
    except KeyRequestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.token_only:
        print(new.token)
    else:
        print(f"key {args.name!r} created with scopes: {scopes}")
        print("token (shown once, store it now):")
        print(new.token)
    return 0


def cmd_revoke_key(args: argparse.Namespace, settings: Settings) -> int:
    """Revoke an API key by name."""
    from api.services.keys import revoke_key

    with _session(settings) as session:
        found = revoke_key(session, args.name)
    if not found:
        print(f"error: no key named {args.name!r}", file=sys.stderr)
        return 2
    print(f"key {args.name!r} revoked")
    return 0


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    import getpass

    first = getpass.getpass("password (12 characters or more): ")
    if getpass.getpass("the same again: ") != first:
        raise ValueError("the two passwords differ")
    return first


def cmd_create_account(args: argparse.Namespace, settings: Settings) -> int:
    """Create a console account for a person (asks for its password)."""
    from api.services.accounts import AccountError, create_account

    try:
        password = _read_password(args)
        with _session(settings) as session:
            account = create_account(
                session,
                args.email,
                args.name or args.email.split("@")[0],
                args.role,
                password,
                territories=args.territory,
                language=args.language,
            )
            email, role = account.email, account.role
    except AccountError as exc:
        problems = {
            "password_short": "the password needs 12 characters or more",
            "password_long": "the password is too long",
            "email_taken": "an account with this e-mail already exists",
            "email": "this is not an e-mail address",
            "territories": "unknown territory",
        }
        print(f"error: {problems.get(exc.code, str(exc))}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"account {email} created ({role}); sign in at /console")
    return 0


def cmd_disable_account(args: argparse.Namespace, settings: Settings) -> int:
    """Disable a console account; its sessions end at once."""
    from api.services.accounts import disable_account, find_account

    with _session(settings) as session:
        account = find_account(session, args.email)
        if account is not None:
            disable_account(session, account)
    if account is None:
        print(f"error: no account {args.email!r}", file=sys.stderr)
        return 2
    print(f"account {args.email} disabled")
    return 0


def cmd_purge(args: argparse.Namespace, settings: Settings) -> int:
    """Erase applications with no contact for the retention period."""
    from api.db import truncate_wal, vacuum_personal_tables
    from api.services.erasure import PERSONAL_TABLES
    from api.services.retention import purge_expired

    days = args.days or settings.retention_days
    engine = make_engine(settings)
    try:
        with make_sessionmaker(engine)() as session:
            count = purge_expired(session, days=days, dry_run=args.dry_run)
            session.commit()
        if count and not args.dry_run:
            # Erased rows must not stay readable in the database files: SQLite's log is
            # truncated; PostgreSQL's tables are rewritten without their dead row versions.
            if not truncate_wal(engine, busy_ms=settings.sqlite_busy_timeout_ms):
                print("warning: the database is in use; erased rows stay in its log until later")
            vacuum_personal_tables(engine, PERSONAL_TABLES)
    finally:
        engine.dispose()
    verb = "would be erased" if args.dry_run else "erased"
    print(f"{count} applications with no contact for {days} days {verb}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command-line grammar."""
    parser = argparse.ArgumentParser(prog="emile-api", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def add(
        name: str, func: Callable[[argparse.Namespace, Settings], int]
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=(func.__doc__ or "").strip())
        p.set_defaults(func=func)
        return p

    add("migrate", cmd_migrate)
    add("seed-territories", cmd_seed_territories).add_argument("--file", type=str, default=None)
    add("seed-workshops", cmd_seed_workshops)
    key = add("create-key", cmd_create_key)
    key.add_argument("name", help="who or what uses the key, e.g. 'assistant' or 'operator-cantal'")
    key.add_argument("--role", choices=["assistant", "operator", "admin"])
    key.add_argument("--scope", action="append", help="an extra scope (repeatable)")
    key.add_argument(
        "--territory", action="append", help="limit an operator key to a territory (repeatable)"
    )
    key.add_argument("--token-only", action="store_true", help="print only the token")
    add("revoke-key", cmd_revoke_key).add_argument("name")
    account = add("create-account", cmd_create_account)
    account.add_argument("email")
    account.add_argument("--name", help="the person's name, shown in the console")
    account.add_argument("--role", choices=["operator", "admin"], required=True)
    account.add_argument(
        "--territory", action="append", help="limit an operator to a territory (repeatable)"
    )
    account.add_argument("--language", choices=["fr", "en"], default="fr")
    account.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    add("disable-account", cmd_disable_account).add_argument("email")
    purge = add("purge", cmd_purge)
    purge.add_argument("--days", type=int, default=None, help="default: EMILE_RETENTION_DAYS")
    purge.add_argument("--dry-run", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command."""
    args = build_parser().parse_args(argv)
    code: int = args.func(args, get_settings())
    return code


if __name__ == "__main__":
    sys.exit(main())
