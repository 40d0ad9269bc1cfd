"""Shared base of clinical-kg: settings, errors, domain types and text utilities."""

__version__ = "0.1.0"
