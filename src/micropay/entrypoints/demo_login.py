"""``make run``'s demo login: an owner user of the demo merchant, with a generated password.

Kept in ``.micropay/demo-login.json`` (mode 0600, like the demo keys) and reused while its user exists;
otherwise a new user is made with a new password. Printed by the dev server, never logged.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from pathlib import Path
from typing import Any

import msgspec

from micropay.entrypoints.settings import Settings

DEMO_EMAIL = "demo@micropay.local"


class DemoLogin(msgspec.Struct):
    merchant_id: str
    email: str
    password: str

    def __repr__(self) -> str:
        return f"DemoLogin(merchant_id={self.merchant_id!r}, email={self.email!r}, password=***)"


def demo_login(settings: Settings, merchant_id: str, path: Path) -> DemoLogin:
    """The kept demo login if its user still exists, else a new user (and the file rewritten)."""
    kept = msgspec.json.decode(path.read_bytes(), type=DemoLogin) if path.is_file() else None
    login = asyncio.run(_ensure(settings, merchant_id, kept))
    if login is not kept:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(msgspec.json.encode(login))
    return login


async def _ensure(settings: Settings, merchant_id: str, kept: DemoLogin | None) -> DemoLogin:
    from micropay.domain.model.users import email_key
    from micropay.domain.use_cases.users import CreateUser
    from micropay.entrypoints.cli import request_scope
    from micropay.ports.account_directory import AccountDirectory

    async with request_scope(settings) as scope:
        directory: Any = await scope.get(AccountDirectory)
        if kept is not None:
            user = await directory.user_by_email(email_key(kept.email))
            if kept.merchant_id == merchant_id and user is not None and user.merchant_id == merchant_id:
                return kept
        email = DEMO_EMAIL
        if await directory.user_by_email(email_key(email)) is not None:  # an older demo merchant's user
            email = f"demo-{secrets.token_hex(3)}@micropay.local"
        password = secrets.token_urlsafe(12)
        await (await scope.get(CreateUser))(merchant_id, email, password, "owner")
    return DemoLogin(merchant_id=merchant_id, email=email, password=password)
