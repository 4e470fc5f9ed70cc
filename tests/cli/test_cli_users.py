"""``micropay users create|list|delete``: the password from stdin or a no-echo prompt, never an argument."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from micropay.entrypoints import cli_users
from micropay.entrypoints.cli import main

PASSWORD = "correct horse battery staple"


@pytest.fixture
def merchant(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("MICROPAY_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MICROPAY_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/cli.db")
    assert main(["db", "upgrade"]) == 0
    assert main(["merchants", "create", "--name", "Duka"]) == 0
    printed = capsys.readouterr().out.split("database is up to date\n", 1)[1]
    merchant_id: str = json.loads(printed)["merchant_id"]
    return merchant_id


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_create_reads_the_password_from_stdin_then_list_and_delete(
    merchant: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["users", "create", "--merchant", merchant, "--email", "Ann@Duka.example", "--role", "owner"]) == 0
    created = json.loads(capsys.readouterr().out)
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["users", "create", "--merchant", merchant, "--email", "dev@duka.example", "--role", "developer"]) == 0
    developer = json.loads(capsys.readouterr().out)

    assert main(["users", "list", "--merchant", merchant]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert main(["users", "delete", "--merchant", merchant, developer["id"]]) == 0
    capsys.readouterr()
    assert main(["users", "list", "--merchant", merchant]) == 0
    after = json.loads(capsys.readouterr().out)

    assert created["id"].startswith("usr_")
    assert created["role"] == "owner"
    assert [u["email"] for u in listed] == ["Ann@Duka.example", "dev@duka.example"]
    assert [u["id"] for u in after] == [created["id"]]
    assert PASSWORD not in json.dumps(listed)


def test_create_prompts_twice_without_echo_on_a_terminal(
    merchant: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    prompts: list[str] = []

    def getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return PASSWORD

    monkeypatch.setattr("sys.stdin", _Terminal())
    monkeypatch.setattr(cli_users.getpass, "getpass", getpass)

    assert main(["users", "create", "--merchant", merchant, "--email", "tty@duka.example"]) == 0

    assert prompts == ["Password: ", "Repeat password: "]
    assert json.loads(capsys.readouterr().out)["email"] == "tty@duka.example"


def test_mismatched_prompts_empty_stdin_and_bad_input_fail_cleanly(
    merchant: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = iter([PASSWORD, PASSWORD + "!"])
    monkeypatch.setattr("sys.stdin", _Terminal())
    monkeypatch.setattr(cli_users.getpass, "getpass", lambda prompt="": next(answers))
    assert main(["users", "create", "--merchant", merchant, "--email", "x@duka.example"]) == 2
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["users", "create", "--merchant", merchant, "--email", "x@duka.example"]) == 2
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["users", "create", "--merchant", merchant, "--email", "x@duka.example"]) == 2
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["users", "create", "--merchant", "acct_000000000000000000000099", "--email", "x@d.example"]) == 2

    errors = capsys.readouterr().err
    assert "passwords differ" in errors
    assert "no password on stdin" in errors
    assert "password must be 10 to 256 characters" in errors
    assert "No such merchant" in errors
    assert "Traceback" not in errors
    assert PASSWORD not in errors


def test_there_is_no_password_argument(merchant: str) -> None:
    with pytest.raises(SystemExit):
        main(["users", "create", "--merchant", merchant, "--email", "a@b.io", "--password", PASSWORD])
