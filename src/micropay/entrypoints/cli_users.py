"""``micropay users create|list|delete`` (contract §10). A password is never taken from an argument.

``create`` reads it from stdin when stdin is not a terminal (``printf '%s' "$PW" | micropay users create
...``; one line, the trailing newline dropped), else prompts twice without echo.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from typing import Any, TextIO

import msgspec

from micropay.entrypoints.settings import Settings


class PasswordUnavailable(ValueError):
    """No password could be read (empty stdin, or the two prompts differed)."""


def add_users_parser(commands: Any) -> None:
    users = commands.add_parser("users", help="dashboard users of a merchant")
    user_commands = users.add_subparsers(dest="users_command", required=True)
    create = user_commands.add_parser(
        "create", help="add a user; the password comes from stdin, or a prompt without echo"
    )
    create.add_argument("--merchant", required=True, help="acct_...")
    create.add_argument("--email", required=True)
    create.add_argument("--role", choices=["owner", "developer"], default="owner")
    listing = user_commands.add_parser("list", help="list a merchant's users as JSON")
    listing.add_argument("--merchant", required=True)
    remove = user_commands.add_parser("delete", help="remove a user and end its sessions")
    remove.add_argument("--merchant", required=True)
    remove.add_argument("user_id", help="usr_...")


def read_password(stdin: TextIO | None = None) -> str:
    stdin = stdin or sys.stdin
    if not stdin.isatty():
        password = stdin.readline().rstrip("\r\n")
        if not password:
            raise PasswordUnavailable("no password on stdin")
        return password
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat password: ") != first:
        raise PasswordUnavailable("the passwords differ")
    return first


def _user_json(user: Any) -> dict[str, Any]:
    return {"id": user.id, "email": user.email, "role": user.role.value, "created": user.created}


async def _run(settings: Settings, args: argparse.Namespace) -> bytes:
    from micropay.domain.use_cases.users import CreateUser, DeleteUser, ListUsers
    from micropay.entrypoints.cli import request_scope

    async with request_scope(settings) as scope:
        if args.users_command == "create":
            password = read_password()
            user = await (await scope.get(CreateUser))(args.merchant, args.email, password, args.role)
            return msgspec.json.encode(_user_json(user))
        if args.users_command == "list":
            found = await (await scope.get(ListUsers))(args.merchant)
            return msgspec.json.encode([_user_json(user) for user in found])
        removed = await (await scope.get(DeleteUser))(args.merchant, args.user_id)
        return msgspec.json.encode({"id": removed.id, "deleted": True})


def run_users(settings: Settings, args: argparse.Namespace) -> int:
    try:
        output = asyncio.run(_run(settings, args))
    except PasswordUnavailable as exc:
        print(f"micropay: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(output.decode() + "\n")
    return 0
