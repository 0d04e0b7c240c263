"""Byte counts for people."""

from __future__ import annotations


def size(nbytes: int) -> str:
    """`1.5 GiB`, `512 B`."""
    value = float(nbytes)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")
