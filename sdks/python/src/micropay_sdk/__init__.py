"""The Python client for a Micropay server (M-Pesa Payment Intents over STK Push).

from micropay_sdk import Micropay

client = Micropay("sk_test_...", "http://127.0.0.1:8000")
intent = client.payment_intents.create(amount=150000, currency="kes", phone_number="0708374149", confirm=True)
intent = client.payment_intents.wait(intent.id)
"""

from micropay_sdk import webhooks
from micropay_sdk._client import AsyncMicropay, Micropay
from micropay_sdk._wire import VERSION
from micropay_sdk.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    IdempotencyError,
    InvalidRequestError,
    MicropayError,
    PermissionDeniedError,
    ProviderError,
    RateLimitError,
    WebhookVerificationError,
)
from micropay_sdk.objects import (
    DeletedWebhookEndpoint,
    Event,
    PaymentIntent,
    ProviderAttempt,
    UnexpectedPayment,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookRecovery,
)
from micropay_sdk.pagination import AsyncPage, Page
from micropay_sdk.retries import RetryPolicy

__version__ = VERSION
__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AsyncMicropay",
    "AsyncPage",
    "AuthenticationError",
    "DeletedWebhookEndpoint",
    "Event",
    "IdempotencyError",
    "InvalidRequestError",
    "Micropay",
    "MicropayError",
    "Page",
    "PaymentIntent",
    "PermissionDeniedError",
    "ProviderAttempt",
    "ProviderError",
    "RateLimitError",
    "RetryPolicy",
    "UnexpectedPayment",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookRecovery",
    "WebhookVerificationError",
    "webhooks",
]
