"""`lotedge store line-key SITE LINE`: the key one line checks the store's signed commands
with, derived from the store's `signing_key` (docs/security.md). Put it in a file only that
line's agent reads, and name the file in its `[remote] signing_key = {file = ...}`."""

from __future__ import annotations

import argparse
import sys

from lotedge.config.store import StoreConfig
from lotedge.wire.signing import line_key


def run_line_key(args: argparse.Namespace, store: StoreConfig) -> int:
    if store.signing_key is None:
        print("no [store] signing_key: set signing_key = {file = PATH}", file=sys.stderr)
        return 2
    try:
        master = store.signing_key.resolve().encode()
    except ValueError as exc:
        print(f"signing_key: {exc}", file=sys.stderr)
        return 2
    print(line_key(master, args.site, args.line).hex())
    return 0
