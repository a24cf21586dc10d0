"""``lotedge label render``: a label preview (PNG or ZPL) from the config, without a printer."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from lotedge.cli.common import product_or_exit


def add_render_parser(label_commands: argparse._SubParsersAction) -> None:
    """Add ``render`` to the sub-commands of ``label``."""
    render = label_commands.add_parser(
        "render",
        help="render a lot label to PNG (or ZPL when -o ends in .zpl), without a printer",
    )
    render.add_argument("-c", "--config", required=True, help="config file")
    render.add_argument("--product", required=True, help="product code")
    render.add_argument("--lot", required=True, help="lot number to print")
    render.add_argument("--qty", type=_decimal, default=Decimal(1), help="quantity (default 1)")
    render.add_argument("--operator", default="", help="operator name")
    render.add_argument(
        "--date", type=date.fromisoformat, default=None, help="production date (default today)"
    )
    render.add_argument("-o", "--output", type=Path, required=True, help="label.png or label.zpl")
    render.set_defaults(func=cmd_render)


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


def cmd_render(args: argparse.Namespace) -> int:
    import zplkit

    from lotedge.config.loader import load_config
    from lotedge.config.problems import ConfigError
    from lotedge.core.labels import LabelData, LabelError
    from lotedge.printers.service import renderer_for

    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    product = product_or_exit(config, args.product)
    data = LabelData.for_lot(
        product,
        config.identity,
        lot=args.lot,
        quantity=args.qty,
        produced=args.date or date.today(),
        operator=args.operator,
    )
    try:
        zpl = renderer_for(config).render(data, product.label_template)
    except (LabelError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.output.suffix.lower() == ".zpl":
        args.output.write_bytes(zpl)
    else:
        scene = zplkit.render(zpl, zplkit.Options(dpi=config.labels.dpi)).labels[0]
        args.output.write_bytes(scene.png())
    print(f"wrote {args.output} (lot {args.lot}, product {product.code})")
    return 0
