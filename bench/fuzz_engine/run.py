"""The worst inputs against the agent's entry points: the longest time any of them takes,
against a plain `status` request and an ordinary command barcode (its audit row committed
durably) measured in the same run.

    .venv/bin/python -m bench.fuzz_engine.run [--rounds 20] [--quick]

Each input goes the way a control-socket line goes (`agent.control.answer`: size, JSON depth and
number bounds, the codec's text and quantity bounds, then the engine's single writer) and the
way an MQTT command goes (`publish.commands.handle`), timed from the raw bytes to the reply.
Inputs: quantities with huge exponents and digits (as text and as JSON numbers), 64 KiB lines,
texts far beyond their field, nesting thousands deep, command barcodes with huge quantities,
alert ids beyond any database. Before issue 21, `1e400000` held the writer for seconds.
"""

from __future__ import annotations

import argparse
import functools
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import example_config, start_engine, summary
from lotedge.agent.control import answer
from lotedge.core.limits import MAX_REQUEST_BYTES
from lotedge.publish import commands


def worst_inputs() -> dict[str, bytes]:
    """Name -> the raw request (a control-socket line's JSON)."""

    def request(op: str, **args: object) -> bytes:
        return json.dumps({"op": op, "args": args}).encode()

    deep = b"[" * 100_000 + b"]" * 100_000
    return {
        "planned_qty 1e400000 (text)": request(
            "batch.start", product="BREAD", planned_qty="1e400000"
        ),
        "planned_qty 1e308 (JSON number)": (
            b'{"op":"batch.start","args":{"product":"BREAD","planned_qty":1e308}}'
        ),
        "qty of 4000 digits (JSON)": b'{"op":"batch.end","args":{"qty":' + b"9" * 4000 + b"}}",
        "qty 0.000...1 (30 digits)": request("batch.end", qty="0." + "0" * 28 + "1"),
        "barcode START:1e300000": request("scan", data="#LE:START:BREAD:1e300000"),
        "barcode END:9x30": request("scan", data="#LE:END:" + "9" * 30),
        "lot of 60 KB": request("hold.add", lot="L" * 60_000, reason="r"),
        "line of 64 KiB + 1": b'{"op":"status","args":{"x":"' + b"y" * MAX_REQUEST_BYTES + b'"}}',
        "nesting 100,000 deep": b'{"op":"status","args":' + deep[:MAX_REQUEST_BYTES] + b"}",
        "alert id 10**23": b'{"op":"alert.ack","args":{"id":' + b"1" + b"0" * 23 + b"}}",
        "scan data of 60 KB": request("scan", data="]C1" + "0" * 60_000),
    }


def timed(call: Callable[[], object], rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="times each input is sent")
    parser.add_argument("--quick", action="store_true", help="5 rounds")
    args = parser.parse_args()
    rounds = 5 if args.quick else args.rounds
    with tempfile.TemporaryDirectory(dir=".") as tmp:
        engine = start_engine(example_config(Path(tmp)))
        try:
            peer = timed(lambda: answer(b'{"op":"status"}', engine.call), rounds * 5)
            print(f"peer: status request (control socket path): {summary(peer)}")
            ordinary = b'{"op":"scan","args":{"data":"#LE:CANCEL"}}'  # a command scan, recorded
            scans = timed(functools.partial(answer, ordinary, engine.call), rounds * 5)
            print(f"peer: an ordinary command barcode (durable audit row): {summary(scans)}")
            worst = 0.0
            for name, line in worst_inputs().items():
                socket_path = timed(functools.partial(answer, line, engine.call), rounds)
                body = (
                    json.loads(line)["args"]
                    if len(line) < 70_000 and line.count(b"[") < 50
                    else None
                )
                op = json.loads(line)["op"] if body is not None else "status"
                payload = json.dumps(body).encode() if body is not None else line
                mqtt_path = timed(
                    functools.partial(commands.handle, op, payload, engine.call), rounds
                )
                longest = max(socket_path + mqtt_path)
                worst = max(worst, longest)
                mqtt_max = f"{max(mqtt_path) * 1e3:.2f} ms"
                print(f"{name:34s} socket {summary(socket_path)} | mqtt max {mqtt_max}")
            print(f"longest time of any worst input: {worst * 1e3:.2f} ms "
                  f"(status median {sorted(peer)[len(peer) // 2] * 1e3:.2f} ms)")  # fmt: skip
        finally:
            engine.stop()


if __name__ == "__main__":
    main()
