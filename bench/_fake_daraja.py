"""An instant in-process "Daraja" for the benchmark: OAuth and STK push only, answered at once.

The API under test talks to it over real HTTP (its production httpx gateway, unchanged). Each accepted push
is remembered by its CheckoutRequestID with the ``CallBackURL`` the API sent, so that the load generator can
deliver Daraja's success callback itself and time how long the API takes to handle it. It does not check
Passwords or tokens (the bundled simulator does that; the benchmark measures Micropay, not validation).
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any, Final

import msgspec
from _http import read_headers

_CRLF: Final = b"\r\n"
_OAUTH: Final = msgspec.json.encode({"access_token": "BenchAccessToken0000000000000", "expires_in": "3599"})


class PushRecord(msgspec.Struct, frozen=True):
    callback_url: str
    merchant_request_id: str
    amount: int
    phone_number: str


class FakeDaraja:
    """``start()`` listens on an ephemeral loopback port; ``pushes`` maps CheckoutRequestID to its record."""

    def __init__(self) -> None:
        self.pushes: dict[str, PushRecord] = {}
        self.oauth_requests = 0
        self.push_requests = 0
        self._ids = itertools.count(1)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=512)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            await self._server.wait_closed()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                request_line = await reader.readuntil(_CRLF)
                headers = await read_headers(reader)
                length = int(headers.get(b"content-length", b"0"))
                body = await reader.readexactly(length) if length else b""
                status, answer = self._answer(request_line, body)
                writer.write(
                    b"HTTP/1.1 %d OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                    % (status, len(answer), answer)
                )
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    def _answer(self, request_line: bytes, body: bytes) -> tuple[int, bytes]:
        method, path = request_line.split(b" ", 2)[:2]
        if method == b"GET" and path.startswith(b"/oauth/v1/generate"):
            self.oauth_requests += 1
            return 200, _OAUTH
        if method == b"POST" and path == b"/mpesa/stkpush/v1/processrequest":
            self.push_requests += 1
            return 200, self._accept(msgspec.json.decode(body))
        return 404, b'{"errorCode": "404.001.01", "errorMessage": "Resource not found"}'

    def _accept(self, push: dict[str, Any]) -> bytes:
        number = next(self._ids)
        checkout = f"ws_CO_bench{number:012d}"
        merchant = f"bench-{number:012d}"
        self.pushes[checkout] = PushRecord(
            callback_url=push["CallBackURL"],
            merchant_request_id=merchant,
            amount=int(push["Amount"]),
            phone_number=str(push["PhoneNumber"]),
        )
        return msgspec.json.encode(
            {
                "MerchantRequestID": merchant,
                "CheckoutRequestID": checkout,
                "ResponseCode": "0",
                "ResponseDescription": "Success. Request accepted for processing",
                "CustomerMessage": "Success. Request accepted for processing",
            }
        )


def success_callback(checkout_request_id: str, push: PushRecord, receipt: str, transaction_date: int) -> bytes:
    """Daraja's success callback body for an accepted push (numbers where Daraja sends numbers)."""
    return msgspec.json.encode(
        {
            "Body": {
                "stkCallback": {
                    "MerchantRequestID": push.merchant_request_id,
                    "CheckoutRequestID": checkout_request_id,
                    "ResultCode": 0,
                    "ResultDesc": "The service request is processed successfully.",
                    "CallbackMetadata": {
                        "Item": [
                            {"Name": "Amount", "Value": float(push.amount)},
                            {"Name": "MpesaReceiptNumber", "Value": receipt},
                            {"Name": "Balance"},
                            {"Name": "TransactionDate", "Value": transaction_date},
                            {"Name": "PhoneNumber", "Value": int(push.phone_number)},
                        ]
                    },
                }
            }
        }
    )
