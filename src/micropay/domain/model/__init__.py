"""Value types, the PaymentIntent state machine and the pure rules (result codes, idempotency, breaker)."""
