"""Use cases: small classes that drive the domain model through the ports."""
