"""Clerk accounts of the workspace (issue 21): who confirmed what, with a role and an office.

Roles, from least to most: ``clerk`` (runs batches, sees the work of the own office), ``reviewer`` (also confirms
and corrects documents in review), ``supervisor`` (every office of the province, quarantine decisions, API keys),
``admin`` (every office, accounts). An account belongs to one office (its electronic ID code, QĐ 20/2020); the
province is the code's last part (``H42`` in ``000.00.00.H42``): a supervisor sees the offices whose code ends
with it.

Passwords are stored as argon2id hashes (argon2-cffi, its default parameters; a hash made with weaker ones is
renewed at the next login). After ``MAX_FAILURES`` wrong passwords in a row an account is locked for
``LOCK_MINUTES``; a disabled account cannot log in and its sessions end at the next request (every request
looks at the account, and ``generation`` — in the session — changes on a reset or a disable). An account may
also be tied to the subject of the province's single sign-on (OpenID Connect) instead of a password.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import DateTime, Integer, String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from catalog.codes import validate_agency_code
from catalog.db import Base, Catalog, Event, utcnow
from catalog.errors import CatalogError, InvalidCode, NotFound

ROLES = ("clerk", "reviewer", "supervisor", "admin")
ROLE_VI = {"clerk": "cán bộ tiếp nhận", "reviewer": "cán bộ kiểm tra", "supervisor": "giám sát", "admin": "quản trị"}
MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_PASSWORD = 10
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")


class Account(Base):
    __tablename__ = "accounts"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)  # login name, e.g. "lan.nt"
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    agency: Mapped[str] = mapped_column(String(20), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))  # None: single sign-on only
    oidc_subject: Mapped[str | None] = mapped_column(String(200), unique=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    generation: Mapped[int] = mapped_column(Integer, default=1)  # in every session: a reset or disable ends them
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cli_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)  # ``sohoa user login``
    cli_token_expires: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True, slots=True)
class AccountInfo:
    """What a request knows about its account (no hash)."""

    name: str
    display_name: str
    role: str
    agency: str
    generation: int
    disabled: bool = False
    locked_until: datetime | None = None
    last_login_at: datetime | None = None
    sso: bool = False

    @property
    def province(self) -> str:
        return province_of(self.agency)

    def at_least(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)

    def sees_agency(self, agency: str | None) -> bool:
        """Whether this account may see the work of ``agency``."""
        if self.role == "admin":
            return True
        if not agency:
            return False
        if self.role == "supervisor":
            return province_of(agency) == self.province
        return agency == self.agency

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "display_name": self.display_name,
            "role": self.role,
            "agency": self.agency,
            "disabled": self.disabled,
            "locked_until": self.locked_until.isoformat() if self.locked_until else None,
            "last_login_at": self.last_login_at.isoformat() if self.last_login_at else None,
            "sso": self.sso,
        }


class LoginRefused(CatalogError):
    """A wrong name or password, a locked or a disabled account. ``vi``/``en`` say which only as far as is safe."""

    reason_code = "login_refused"
    exit_code = 3

    def __init__(self, en: str, vi: str, *, locked_until: datetime | None = None) -> None:
        super().__init__(en, vi)
        self.locked_until = locked_until


def province_of(agency: str) -> str:
    """The province part of an office code: ``H42`` of ``000.00.00.H42``."""
    return agency.rsplit(".", 1)[-1]


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


def _aware(t: datetime | None) -> datetime | None:
    from datetime import UTC

    return t.replace(tzinfo=UTC) if t is not None and t.tzinfo is None else t


def _info(a: Account) -> AccountInfo:
    return AccountInfo(
        a.name,
        a.display_name,
        a.role,
        a.agency,
        a.generation,
        a.disabled_at is not None,
        _aware(a.locked_until),
        _aware(a.last_login_at),
        a.oidc_subject is not None,
    )


def validate_name(name: str) -> str:
    name = name.strip().lower()
    if not _NAME_RE.match(name):
        raise InvalidCode(
            f"account name {name!r}: 2-40 characters a-z, 0-9, '.', '_' or '-'",
            f"tên tài khoản {name!r}: 2-40 ký tự a-z, 0-9, '.', '_' hoặc '-'",
        )
    return name


def validate_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidCode(f"unknown role {role!r} (one of {', '.join(ROLES)})", f"không có vai trò {role!r}")
    return role


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidCode(
            f"a password needs at least {MIN_PASSWORD} characters", f"mật khẩu cần ít nhất {MIN_PASSWORD} ký tự"
        )
    return password


def new_password() -> str:
    """A temporary password to hand over (16 characters, ~95 bits)."""
    return secrets.token_urlsafe(12)


def add_account(
    catalog: Catalog,
    name: str,
    *,
    role: str,
    agency: str,
    display_name: str | None = None,
    password: str | None = None,
    oidc_subject: str | None = None,
    created_by: str,
) -> AccountInfo:
    name = validate_name(name)
    validate_role(role)
    agency = validate_agency_code(agency)
    if password is None and not oidc_subject:
        raise InvalidCode("an account needs a password or a single sign-on subject", "tài khoản cần mật khẩu hoặc SSO")
    hashed = _hasher().hash(check_password(password)) if password is not None else None
    with catalog.session() as s:
        if s.get(Account, name) is not None:
            raise InvalidCode(f"account {name} exists", f"tài khoản {name} đã có")
        a = Account(
            name=name,
            display_name=(display_name or name).strip()[:100],
            role=role,
            agency=agency,
            password_hash=hashed,
            oidc_subject=oidc_subject or None,
            failed_logins=0,
            generation=1,
            created_by=created_by[:100],
        )
        s.add(a)
        s.add(
            Event(
                actor=created_by[:100], agency=agency, action="account_created", detail={"account": name, "role": role}
            )
        )
        s.flush()
        return _info(a)


def list_accounts(catalog: Catalog) -> list[AccountInfo]:
    with catalog.session() as s:
        return [_info(a) for a in s.scalars(select(Account).order_by(Account.agency, Account.name))]


def get_account(catalog: Catalog, name: str) -> AccountInfo | None:
    with catalog.session() as s:
        a = s.get(Account, name)
        return _info(a) if a is not None else None


def by_oidc_subject(catalog: Catalog, subject: str) -> AccountInfo | None:
    with catalog.session() as s:
        a = s.scalar(select(Account).where(Account.oidc_subject == subject))
        return _info(a) if a is not None and a.disabled_at is None else None


def session_account(catalog: Catalog, name: str, generation: int) -> AccountInfo | None:
    """The account a session stands for, while it is enabled and its sessions were not ended since."""
    a = get_account(catalog, name)
    if a is None or a.disabled or a.generation != generation:
        return None
    return a


def disable_account(catalog: Catalog, name: str, *, by: str) -> AccountInfo:
    with catalog.session() as s:
        a = s.get(Account, validate_name(name))
        if a is None:
            raise NotFound(f"no account {name}", f"không có tài khoản {name}")
        a.disabled_at = a.disabled_at or utcnow()
        a.generation += 1
        a.cli_token_hash = a.cli_token_expires = None
        s.add(Event(actor=by[:100], agency=a.agency, action="account_disabled", detail={"account": a.name}))
        s.flush()
        return _info(a)


def reset_password(catalog: Catalog, name: str, *, by: str, password: str | None = None) -> tuple[AccountInfo, str]:
    """A new password (given, or a temporary one made here); the lock is lifted, the account enabled again and
    every session of it ended."""
    password = check_password(password) if password is not None else new_password()
    hashed = _hasher().hash(password)
    with catalog.session() as s:
        a = s.get(Account, validate_name(name))
        if a is None:
            raise NotFound(f"no account {name}", f"không có tài khoản {name}")
        a.password_hash = hashed
        a.failed_logins = 0
        a.locked_until = None
        a.disabled_at = None
        a.generation += 1
        a.cli_token_hash = a.cli_token_expires = None
        s.add(Event(actor=by[:100], agency=a.agency, action="account_reset", detail={"account": a.name}))
        s.flush()
        return _info(a), password


_DUMMY_HASH: str | None = None


def authenticate(catalog: Catalog, name: str, password: str) -> AccountInfo:
    """The account for a name and password, or ``LoginRefused``. A wrong password counts towards the lock; an
    unknown name costs the same hash as a known one (no timing hint of which names exist)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    global _DUMMY_HASH
    ph = _hasher()
    wrong = LoginRefused("wrong account name or password", "sai tên tài khoản hoặc mật khẩu")
    try:
        name = validate_name(name)
    except InvalidCode:
        raise wrong from None
    now = utcnow()
    refusal: LoginRefused | None = None
    with catalog.session() as s:  # the failure count is committed before the refusal is raised
        a = s.get(Account, name, with_for_update=catalog.dialect == "postgresql")
        if a is None or a.password_hash is None:
            if _DUMMY_HASH is None:
                _DUMMY_HASH = ph.hash(secrets.token_hex(8))
            try:
                ph.verify(_DUMMY_HASH, password)
            except VerificationError:
                pass
            raise wrong
        locked = _aware(a.locked_until)
        if locked is not None and locked > now:
            raise LoginRefused(
                "too many wrong passwords: the account is locked for a while",
                f"nhập sai mật khẩu quá nhiều lần: tài khoản bị khóa đến {locked.strftime('%H:%M')} UTC",
                locked_until=locked,
            )
        try:
            ph.verify(a.password_hash, password)
            ok = True
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok:
            a.failed_logins = (a.failed_logins or 0) + 1
            detail: dict = {"account": a.name, "failures": a.failed_logins}
            refusal = wrong
            if a.failed_logins >= MAX_FAILURES:
                a.locked_until = now + timedelta(minutes=LOCK_MINUTES)
                a.failed_logins = 0
                detail["locked_until"] = a.locked_until.isoformat(timespec="seconds")
                refusal = LoginRefused(
                    "too many wrong passwords: the account is locked for a while",
                    f"nhập sai mật khẩu quá nhiều lần: tài khoản bị khóa {LOCK_MINUTES} phút",
                    locked_until=a.locked_until,
                )
            s.add(Event(actor=a.name, agency=a.agency, action="login_failed", detail=detail))
        elif a.disabled_at is not None:
            raise LoginRefused("this account is disabled", "tài khoản đã bị vô hiệu hóa")
        else:
            if ph.check_needs_rehash(a.password_hash):
                a.password_hash = ph.hash(password)
            a.failed_logins = 0
            a.locked_until = None
            a.last_login_at = now
            s.add(Event(actor=a.name, agency=a.agency, action="login", detail={"via": "password"}))
            s.flush()
            info = _info(a)
    if refusal is not None:
        raise refusal
    return info


def record_login(catalog: Catalog, account: AccountInfo, via: str) -> None:
    """A login by another way than a password (single sign-on)."""
    with catalog.session() as s:
        s.execute(update(Account).where(Account.name == account.name).values(last_login_at=utcnow()))
        s.add(Event(actor=account.name, agency=account.agency, action="login", detail={"via": via}))


CLI_SESSION_HOURS = 10


def _token_hash(token: str) -> str:
    import hashlib

    return hashlib.sha256(token.encode()).hexdigest()


def cli_login(catalog: Catalog, name: str, password: str, hours: float = CLI_SESSION_HOURS) -> tuple[AccountInfo, str]:
    """Log in on the command line: the password is checked as in the workspace (lock-out included) and a random
    token is made; only its SHA-256 is stored, the token goes to the clerk's session file."""
    account = authenticate(catalog, name, password)
    token = secrets.token_urlsafe(32)
    with catalog.session() as s:
        s.execute(
            update(Account)
            .where(Account.name == account.name)
            .values(cli_token_hash=_token_hash(token), cli_token_expires=utcnow() + timedelta(hours=hours))
        )
        s.add(Event(actor=account.name, agency=account.agency, action="login", detail={"via": "cli"}))
    return account, token


def cli_session(catalog: Catalog, token: str) -> AccountInfo | None:
    """The account a command-line session token stands for, while it is unexpired and the account enabled (a reset
    or a disable ends it: both clear the token)."""
    with catalog.session() as s:
        a = s.scalar(select(Account).where(Account.cli_token_hash == _token_hash(token)))
        if a is None or a.disabled_at is not None:
            return None
        expires = _aware(a.cli_token_expires)
        if expires is None or expires < utcnow():
            return None
        return _info(a)


def cli_logout(catalog: Catalog, token: str) -> None:
    with catalog.session() as s:
        s.execute(
            update(Account)
            .where(Account.cli_token_hash == _token_hash(token))
            .values(cli_token_hash=None, cli_token_expires=None)
        )
