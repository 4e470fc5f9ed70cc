"""The Litestar HTTP API (docs/api.md)."""
