"""The Litestar HTTP API (contract §2-§6)."""
