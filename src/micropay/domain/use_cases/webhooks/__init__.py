"""Use cases of outbound webhooks (contract §9)."""
