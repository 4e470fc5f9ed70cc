"""Micropay: self-hostable M-Pesa (Daraja) payment orchestration."""

__version__ = "0.1.0"
