"""Operations commands: doctor and demo."""

from __future__ import annotations

import argparse
from pathlib import Path

from lotedge.cli.common import add_config_arg

_STYLE = {"ok": "green", "fail": "bold red", "info": "cyan"}


def register(sub: argparse._SubParsersAction, default_config: str) -> None:
    doctor = sub.add_parser("doctor", help="check config, devices, printer, broker, disk and clock")
    add_config_arg(doctor, default_config)
    doctor.set_defaults(func=cmd_doctor)

    demo = sub.add_parser(
        "demo", help="run the whole system on simulators and an embedded broker, then summarise"
    )
    demo.add_argument("--keep", type=Path, metavar="DIR", help="keep state, labels and store here")
    demo.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    from lotedge.apps.demo.runner import run_demo

    return run_demo(args.keep)


def cmd_doctor(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from lotedge.apps.doctor import run_checks

    checks = run_checks(args.config)
    # Text cells: a check's words (config values, paths, "[mqtt]") are never read as markup.
    table = Table(title=Text(f"lotedge doctor: {args.config}"))
    for column in ("check", "result", "detail", "hint"):
        table.add_column(column, overflow="fold")
    for check in checks:
        style = _STYLE.get(check.status, "")
        table.add_row(
            Text(check.name), Text(check.status, style=style), Text(check.detail), Text(check.hint)
        )
    Console(width=160).print(table)
    failed = sum(c.status == "fail" for c in checks)
    print(f"{failed} check(s) failed" if failed else "all checks passed")
    return 1 if failed else 0
