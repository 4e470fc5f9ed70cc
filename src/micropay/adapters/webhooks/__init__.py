"""Outbound webhooks: the Standard Webhooks signing scheme and the httpx sender with its SSRF guard."""
