"""``lotedge scale tare|zero|reread`` and ``lotedge weigh skip``: the tech's scale commands,
sent to the running daemon (its scale service does the I/O)."""

from __future__ import annotations

import argparse

from lotedge.cli.agent_cmds import _client_parser


def register(sub: argparse._SubParsersAction, default_config: str) -> None:
    scale = sub.add_parser("scale", help="tare, zero or re-read the line's scale")
    scale_sub = scale.add_subparsers(dest="scale_command", required=True)
    for action, about in (
        ("tare", "tare the scale (the container on it)"),
        ("zero", "zero the empty scale"),
        ("reread", "read the weight again; accepts a weight equal to the previous weighing's"),
    ):
        parser = _client_parser(scale_sub, action, about, default_config)
        parser.set_defaults(op=f"scale.{action}", build=lambda a: {})

    weigh = sub.add_parser("weigh", help="the pending weighing")
    weigh_sub = weigh.add_subparsers(dest="weigh_command", required=True)
    skip = _client_parser(
        weigh_sub, "skip", "record the lot consumed without a weight, with a reason", default_config
    )
    skip.add_argument("--reason", required=True, help="why it is not weighed (recorded)")
    skip.add_argument("--operator", default="")
    skip.set_defaults(op="weigh.skip", build=lambda a: {"reason": a.reason, "operator": a.operator})
