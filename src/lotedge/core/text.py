"""Scanned bytes as text (imports nothing, so the command line can use it at once)."""

from __future__ import annotations


def decode_text(data: bytes) -> str:
    """Scanner bytes as text: UTF-8 when valid, else Latin-1 (which never fails)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")
