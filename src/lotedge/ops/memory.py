"""The daemon's memory on a small line device: glibc's malloc told to give large buffers back.

A camera's frames are megabytes each (a 1080p BGR frame is 6 MB). glibc raises its mmap
threshold after such a buffer is freed, so later frames come from the heap and their memory is
kept; and each thread may get its own arena. A fixed 1 MiB threshold (frames always mmapped and
unmapped on free) and two arenas keep the resident size near what is in use (bench/cli:
docs/benchmarks.md). Nothing happens on a C library without `mallopt` (musl, macOS).
"""

from __future__ import annotations

import ctypes
import ctypes.util

#: glibc malloc.h parameter numbers.
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
MMAP_THRESHOLD = 1 << 20
ARENAS = 2


def give_large_buffers_back() -> bool:
    """Set the threshold and arena count; False when this C library has no `mallopt`."""
    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt if name else None
    except (OSError, AttributeError):
        return False
    if mallopt is None:
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_ARENA_MAX, ARENAS))
