"""Protocols the core needs from the world, one per file. They import only domain types."""
