"""The scanner check for technicians: ``lotedge label test-sheet`` prints the sheet,
``lotedge scanner test`` reads it from each scanner and says what to change."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lotedge.cli.common import add_config_arg, config_or_exit


def register(sub: argparse._SubParsersAction, default_config: str) -> None:
    """Add ``scanner test``."""
    scanner = sub.add_parser("scanner", help="check how each scanner is set up")
    scanner_sub = scanner.add_subparsers(dest="scanner_command", required=True)
    test = scanner_sub.add_parser(
        "test",
        help="scan the test sheet (lotedge label test-sheet) with each scanner: what arrives "
        "and what to change",
    )
    add_config_arg(test, default_config)
    test.add_argument("--scanner", action="append", default=[], help="only this scanner")
    test.add_argument(
        "--timeout", type=float, default=180.0, help="seconds to wait for the scans (180)"
    )
    test.set_defaults(func=cmd_scanner_test)


def add_test_sheet_parser(label_commands: argparse._SubParsersAction) -> None:
    """Add ``test-sheet`` to the sub-commands of ``label``."""
    sheet = label_commands.add_parser(
        "test-sheet", help="write the scanner test sheet (GS1-128, DataMatrix, QR, Digital Link)"
    )
    sheet.add_argument("-o", "--output", type=Path, required=True, help="sheet.png")
    sheet.set_defaults(func=cmd_test_sheet)


def cmd_test_sheet(args: argparse.Namespace) -> int:
    from lotedge.apps.test_sheet import write

    try:
        path = write(args.output)
    except (OSError, ValueError) as exc:
        print(f"error: cannot write {args.output}: {exc}", file=sys.stderr)
        return 2
    print(f"{path}: print it at 100 % and run 'lotedge scanner test -c CONFIG'")
    return 0


def cmd_scanner_test(args: argparse.Namespace) -> int:
    from lotedge.apps import scanner_check
    from lotedge.ops.lock import AlreadyRunning, StateLock

    config = config_or_exit(args.config)
    try:
        scanners = scanner_check.listeners(config, args.scanner)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not scanners:
        print("error: the config has no scanner to test ([[scanners]])", file=sys.stderr)
        return 2
    try:
        with StateLock(config.state_dir):
            checks = scanner_check.run(scanners, args.timeout, lambda line: print(line, flush=True))
    except AlreadyRunning as exc:
        print(f"error: the agent reads these scanners: {exc}", file=sys.stderr)
        return 4
    lines, good = scanner_check.report(scanners, checks)
    print("\n".join(lines))
    return 0 if good else 1
