"""Argon2id hashing, HS256 access tokens, refresh tokens and the token secret's sources."""

from __future__ import annotations

import asyncio
import base64
import re
import time
from pathlib import Path

import jwt
import pytest

from micropay.adapters.security import (
    Argon2PasswordHasher,
    HmacRefreshTokenIssuer,
    JwtSecretMissing,
    PyJwtAccessTokenSigner,
    load_jwt_secret,
)
from micropay.domain.model.sessions import AccessClaims
from micropay.domain.model.users import Role

SECRET = b"0123456789abcdef0123456789abcdef"
NOW = 1_767_225_600


def _claims(**changes: object) -> AccessClaims:
    values: dict[str, object] = {
        "jti": "j1",
        "sub": "usr_1",
        "sid": "ses_1",
        "mer": "acct_1",
        "role": Role.OWNER,
        "iat": NOW,
        "exp": NOW + 3600,
    }
    values.update(changes)
    return AccessClaims(**values)  # type: ignore[arg-type]


async def test_argon2id_at_the_contract_parameters_verifies_and_rehashes_on_change() -> None:
    hasher = Argon2PasswordHasher()
    encoded = await hasher.hash("correct horse battery staple")

    assert encoded.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert await hasher.verify(encoded, "correct horse battery staple")
    assert not await hasher.verify(encoded, "correct horse battery stapl")
    assert not await hasher.verify("not a hash", "anything at all")
    assert not hasher.needs_rehash(encoded)
    stronger = Argon2PasswordHasher(time_cost=3)
    assert stronger.needs_rehash(encoded)
    assert stronger.needs_rehash("garbage")
    assert await stronger.verify(encoded, "correct horse battery staple")  # old hashes still verify


async def test_hashing_runs_off_the_event_loop() -> None:
    hasher = Argon2PasswordHasher()
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    task = asyncio.create_task(ticker())
    started = time.perf_counter()
    await asyncio.gather(*(hasher.hash(f"password number {n}") for n in range(4)))
    elapsed = time.perf_counter() - started
    task.cancel()

    # a loop blocked by the hashing would have ticked once or twice in all that time
    assert ticks >= elapsed / 0.005 / 4, (ticks, elapsed)


def test_access_tokens_verify_only_untampered_unexpired_and_hs256() -> None:
    signer = PyJwtAccessTokenSigner(SECRET)
    token = signer.sign(_claims())

    assert signer.verify(token, NOW + 10) == _claims()
    assert signer.sign(_claims()) == token  # deterministic: a replay rebuilds the same token
    assert signer.verify(token, NOW + 3600) is None  # expired
    assert PyJwtAccessTokenSigner(b"another secret of thirty-two bytes!").verify(token, NOW) is None
    head, body, sig = token.split(".")
    assert signer.verify(f"{head}.{body}.{sig[:-2]}AA", NOW) is None
    unsigned = jwt.encode(
        {"jti": "j", "sub": "usr_1", "sid": "s", "mer": "acct_1", "role": "owner", "iat": NOW, "exp": NOW + 9},
        key=None,
        algorithm="none",
    )
    assert signer.verify(unsigned, NOW) is None
    payload = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_exp": False})
    bad_role = jwt.encode({**payload, "role": "admin"}, SECRET, "HS256")
    assert signer.verify(bad_role, NOW) is None
    assert signer.verify("not.a.jwt", NOW) is None
    assert signer.verify("x" * 5000, NOW) is None
    assert "0123" not in repr(signer)


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError):
        PyJwtAccessTokenSigner(b"short")


def test_refresh_tokens_have_the_contract_shape_and_deterministic_successors() -> None:
    issuer = HmacRefreshTokenIssuer(SECRET)
    token = issuer.issue()

    shape = re.compile(r"mpr_[A-Za-z0-9_-]{43}")
    assert shape.fullmatch(token)
    assert token != issuer.issue()
    successor = issuer.successor(token)
    assert shape.fullmatch(successor)
    assert successor == issuer.successor(token) != token
    assert HmacRefreshTokenIssuer(b"x" * 32).successor(token) != successor  # needs the server's key
    assert issuer.hash(token) != token
    assert len(issuer.hash(token)) == 64


def test_the_token_secret_comes_from_the_setting_else_a_private_file_in_the_embedded_default(tmp_path: Path) -> None:
    configured = "s" * 32
    assert load_jwt_secret(configured, embedded=False, key_dir=tmp_path) == configured.encode()
    with pytest.raises(JwtSecretMissing) as short:
        load_jwt_secret("short", embedded=True, key_dir=tmp_path)
    assert "short" not in str(short.value)
    with pytest.raises(JwtSecretMissing) as missing:
        load_jwt_secret(None, embedded=False, key_dir=tmp_path)
    assert "MICROPAY_JWT_SECRET is required" in str(missing.value)
    assert not (tmp_path / "jwt.key").exists()

    first = load_jwt_secret(None, embedded=True, key_dir=tmp_path)

    key_file = tmp_path / "jwt.key"
    assert len(first) == 32
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert base64.b64decode(key_file.read_text()) == first
    assert load_jwt_secret(None, embedded=True, key_dir=tmp_path) == first  # kept across restarts
