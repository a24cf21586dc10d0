"""`lotedge demo`: the whole system on one machine, no hardware, no broker to install.

An embedded MQTT broker, the printer and scanner simulators, the trace store and the agent are
started; a scripted shift runs through them; the summary shows what a recall would see. The
demo checks what it expects along the way and exits non-zero if anything did not happen.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import zxingcpp
from PIL import Image
from rich.console import Console
from rich.table import Table

from lotedge.agent.control import ControlClient
from lotedge.core.scan import RawScan, parse_scan
from lotedge.ops.broker import EmbeddedBroker
from lotedge.simulators.printer import PrinterSimulator
from lotedge.simulators.scanner import PtyScanner
from lotedge.state.db import STATE_FILE, connect

WAIT = 60.0
GS = "\x1d"

#: Master data of the demo line: the example config's bakery.
MASTER_DATA = """
[[materials]]
code = "FLOUR"
name = "Wheat flour T55"
gtins = ["09501101530003"]
vendor = "Northern Mills"
uom = "KGM"
default_quantity = 25.0

[[materials]]
code = "SUGAR"
name = "Caster sugar"
gtins = ["09501101530010"]
vendor = "Sweet & Co"
uom = "KGM"
default_quantity = 20.0

[[materials]]
code = "YEAST"
name = "Fresh yeast"
vendor = "Levure SA"
uom = "KGM"
default_quantity = 1.0
vendor_pattern = '^YST-(?P<lot>[A-Z0-9]+)-(?P<expiry>\\d{8})$'
expiry_format = "%Y%m%d"

[[products]]
code = "BREAD"
name = "White loaf 800 g"
gtin = "09501101530102"
shelf_life_days = 7
bom = ["FLOUR", "YEAST"]
lot_template = "{yy}{julian}{line}{seq:4}"

[[products]]
code = "CAKE"
name = "Sponge cake"
gtin = "09501101530119"
shelf_life_days = 14
bom = ["FLOUR", "SUGAR"]
lot_template = "C{yyyy}{mm}-{seq:5}{check}"
seq_reset = "monthly"
"""

#: The vendor lot the demo traces: flour from Northern Mills that went into two batches.
TRACED_FLOUR_LOT = "NM2611A"


@dataclass(frozen=True)
class Step:
    """One scan of the shift and the reason the agent is expected to give."""

    scan: str
    expect: str
    note: str


def flour(lot: str) -> str:
    return f"]d20109501101530003{GS}17270131{GS}10{lot}"


def sugar(lot: str) -> str:
    return f"]d20109501101530010{GS}17270630{GS}10{lot}"


SHIFT: list[tuple[str, list[Step]]] = [
    (
        "Batch 1: white loaves",
        [
            Step("#LE:START:BREAD:120", "batch_started", "operator scans the BREAD start card"),
            Step(flour(TRACED_FLOUR_LOT), "accepted", "flour sack, GS1 DataMatrix"),
            Step(flour(TRACED_FLOUR_LOT), "double_read", "the scanner reads the same sack twice"),
            Step("]C0YST-Y0001-20200131", "expired", "a yeast block past its date"),
            Step("]C0YST-Y0002-20280131", "accepted", "fresh yeast, vendor Code 128 label"),
            Step(sugar("SW-9001"), "not_in_bom", "sugar has no place in bread"),
            Step("#LE:END:118", "batch_ended", "118 loaves made; the label prints"),
        ],
    ),
    (
        "Batch 2: sponge cake (the printer runs out of labels)",
        [
            Step("#LE:START:CAKE:40", "batch_started", "CAKE start card"),
            Step(flour(TRACED_FLOUR_LOT), "accepted", "the rest of the same flour lot"),
            Step(sugar("SW-9001"), "accepted", "caster sugar"),
            Step("#LE:END:40", "batch_ended", "40 cakes; the printer is out of paper"),
        ],
    ),
    (
        "Batch 3: white loaves from another flour lot",
        [
            Step("#LE:START:BREAD", "batch_started", "BREAD start card"),
            Step(flour("NM2611B"), "accepted", "a new flour lot"),
            Step("]C0YST-Y0003-20280131", "accepted", "yeast"),
            Step("#LE:END:96", "batch_ended", "96 loaves"),
        ],
    ),
]


@dataclass
class Outcome:
    """What happened, for the summary and the exit code."""

    failures: list[str] = field(default_factory=list)
    lots: list[tuple[str, str, str]] = field(default_factory=list)  # product, lot, batch id
    labels: list[str] = field(default_factory=list)
    forward: dict[str, Any] = field(default_factory=dict)
    backward: dict[str, Any] = field(default_factory=dict)

    def expect(self, ok: bool, what: str) -> bool:
        if not ok:
            self.failures.append(what)
        return ok


def wait_until(condition: Callable[[], bool], timeout: float = WAIT) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


class Demo:
    """Starts the parts, runs the shift, prints the summary."""

    def __init__(self, directory: Path, console: Console) -> None:
        self.dir = directory
        self.console = console
        self.outcome = Outcome()
        self.processes: list[subprocess.Popen[bytes]] = []

    # -- setting up ----------------------------------------------------------------------------
    def write_config(self, broker_port: int, printer_port: int) -> Path:
        config = f"""# Written by `lotedge demo`: the demo line on simulators, embedded broker.
[identity]
site = "DEMO"
line = "L1"
device_id = "demo-edge"

[state]
dir = "state"

[[scanners]]
name = "hopper"
url = "serial://{self.dir / "ttyScanner"}?baud=9600&suffix=CR"

[printer]
name = "line"
url = "tcp://127.0.0.1:{printer_port}"
status_interval_seconds = 0.5
retry_initial_seconds = 0.5
retry_max_seconds = 1

[mqtt]
host = "127.0.0.1"
port = {broker_port}
[mqtt.tls]
enabled = false

[station]
port = 0

[store]
database_url = "sqlite:///trace.db"
[store.mqtt]
host = "127.0.0.1"
port = {broker_port}
[store.mqtt.tls]
enabled = false
{MASTER_DATA}"""
        path = self.dir / "lotedge.toml"
        path.write_text(config)
        return path

    def spawn(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.dir / f"{name}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "lotedge.cli.main", *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.processes.append(process)
        return process

    def stop_processes(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()

    # -- running -------------------------------------------------------------------------------
    def run(self) -> Outcome:
        console, outcome = self.console, self.outcome
        broker = EmbeddedBroker()
        broker.start()
        console.print(f"[bold]MQTT broker[/] (embedded amqtt) on 127.0.0.1:{broker.port}")
        printer = PrinterSimulator(port=0, out_dir=self.dir / "labels").start()
        console.print(
            f"[bold]Printer simulator[/] on 127.0.0.1:{printer.port}, labels -> {printer.out_dir}"
        )
        scanner = PtyScanner(self.dir / "ttyScanner")
        console.print(
            f"[bold]Scanner simulator[/] on {scanner.device} (-> {self.dir / 'ttyScanner'})"
        )
        config = self.write_config(broker.port, printer.port)
        try:
            self.spawn("store", "store", "-c", str(config))
            agent = self.spawn("agent", "run", "-c", str(config))
            control = ControlClient(self.dir / "state" / "control.sock", timeout=WAIT)
            if not outcome.expect(wait_until(lambda: _answers(control)), "the agent started"):
                return outcome
            console.print(
                f"[bold]Agent[/] running (pid {agent.pid}), state in {self.dir / 'state'}"
            )
            self.station(control)
            self.shift(scanner, printer, control)
            self.wait_for_delivery(control)
            self.traces(config)
        finally:
            self.stop_processes()
            scanner.close()
            printer.stop()
            broker.stop()
        outcome.labels = [str(job.png_path) for job in printer.jobs if job.png_path]
        outcome.expect(len(outcome.labels) == 3, "three labels were printed and rendered")
        scanned = [label_lot(Path(path)) for path in outcome.labels]
        made = [lot for _, lot, _ in outcome.lots]
        outcome.expect(scanned == made, f"the labels scan back to the new lots ({scanned})")
        return outcome

    def station(self, control: ControlClient) -> None:
        """Say where the operator station is, and check that it answers."""
        started = wait_until(lambda: "station" in control.request("status")["data"])
        if not self.outcome.expect(started, "the operator station started"):
            return
        url = control.request("status")["data"]["station"]["url"]
        with urllib.request.urlopen(f"{url}api/state", timeout=WAIT) as response:
            site = json.load(response)["site"]
        self.outcome.expect(site == "DEMO", "the operator station answers")
        self.console.print(f"[bold]Operator station[/] at {url} (open it while the demo runs)\n")

    def shift(self, scanner: PtyScanner, printer: PrinterSimulator, control: ControlClient) -> None:
        state = connect(self.dir / "state" / STATE_FILE)
        for title, steps in SHIFT:
            self.console.rule(title)
            if "printer runs out" in title:
                printer.set_fault(paper_out=True)
                self.console.print("[yellow]printer: paper out[/] (the simulator's fault switch)")
            for step in steps:
                seen = _scan_count(state)
                scanner.write(step.scan.encode() + b"\r")
                if not self.outcome.expect(
                    wait_until(lambda n=seen: _scan_count(state) > n), f"a decision for {step.note}"
                ):
                    return
                reason, message = state.execute(
                    "SELECT reason, message FROM scans ORDER BY id DESC LIMIT 1"
                ).fetchone()
                ok = self.outcome.expect(reason == step.expect, f"{step.note}: {step.expect}")
                mark = "[green]✔[/]" if ok else f"[red]✘ expected {step.expect}[/]"
                self.console.print(f"  {mark} {step.note}: [bold]{reason}[/] - {message}")
            ended = state.execute(
                "SELECT product, lot, id FROM batches WHERE status = 'ended' ORDER BY ended_at DESC"
            ).fetchone()
            if ended:
                self.outcome.lots.append(ended)
            if "printer runs out" in title:
                self.paper_out_then_clear(printer, control)
        state.close()

    def paper_out_then_clear(self, printer: PrinterSimulator, control: ControlClient) -> None:
        printed = len(printer.jobs)
        held = wait_until(lambda: control.request("status")["data"]["print_queue"] >= 1, 5)
        self.outcome.expect(held and len(printer.jobs) == printed, "the label waits for paper")
        self.console.print("  [yellow]label job stays queued[/]; an alert went to the outbox")
        printer.clear_faults()
        self.console.print("  [green]paper loaded[/]: the fault clears")
        done = wait_until(lambda: printer.wait_for_jobs(printed + 1, 0.2))
        self.outcome.expect(done, "the held label prints once the paper is back")
        time.sleep(1.0)  # a second copy would show up here
        self.outcome.expect(len(printer.jobs) == printed + 1, "the held label prints exactly once")

    def wait_for_delivery(self, control: ControlClient) -> None:
        self.console.rule("Publishing")
        drained = wait_until(lambda: control.request("status")["data"]["outbox_depth"] == 0)
        self.outcome.expect(drained, "every event left the outbox (PUBACK)")
        self.console.print("  outbox empty: every event acknowledged by the broker")

    def traces(self, config: Path) -> None:
        from lotedge.store.db import open_database, resolve_url
        from lotedge.store.query import TraceQueries

        self.console.rule("Trace store")
        database = open_database(resolve_url("sqlite:///trace.db", config.parent))
        try:
            queries = TraceQueries(database)
            expected = len(self.outcome.lots)
            stored = wait_until(lambda: len(_output_lots(queries, self.outcome.lots)) == expected)
            self.outcome.expect(stored, "the store received every batch's output event")
            vendor_lot = queries.resolve(TRACED_FLOUR_LOT)
            self.outcome.forward = queries.trace(vendor_lot, "forward").to_json()
            cake = next((lot for product, lot, _ in self.outcome.lots if product == "CAKE"), None)
            if cake:
                self.outcome.backward = queries.trace(queries.resolve(cake), "backward").to_json()
        finally:
            database.close()
        reached = {lot["lot"] for lot in self.outcome.forward.get("lots", [])}
        made_with_it = {lot for product, lot, _ in self.outcome.lots[:2]}
        self.outcome.expect(
            made_with_it <= reached,
            f"forward trace of flour lot {TRACED_FLOUR_LOT} reaches batches 1 and 2",
        )
        self.outcome.expect(
            self.outcome.lots[2][1] not in reached if len(self.outcome.lots) > 2 else False,
            "batch 3 (other flour lot) is not in the recall set",
        )


def label_lot(png: Path) -> str | None:
    """The lot (AI 10) in the GS1 DataMatrix of a rendered label, read as a scanner would."""
    image = Image.open(png)
    for barcode in zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain):
        if barcode.symbology_identifier == "]d2":
            raw = RawScan(barcode.bytes, "label", symbology="]d2")
            return parse_scan(raw, [], "#LE:").lot
    return None


def _answers(control: ControlClient) -> bool:
    try:
        return control.request("status")["status"] == "ok"
    except (ConnectionError, OSError):
        return False


def _scan_count(state: Any) -> int:
    return state.execute("SELECT count(*) FROM scans").fetchone()[0]


def _output_lots(queries: Any, lots: list[tuple[str, str, str]]) -> list[str]:
    found = []
    for _, lot, _ in lots:
        if queries.find_lots(lot):
            found.append(lot)
    return found


def summary(console: Console, outcome: Outcome, directory: Path) -> None:
    """What a newcomer should take away: lots made, labels printed, and a recall answered."""
    console.rule("Summary")
    batches = Table(title="Batches and their new lots")
    for column in ("product", "lot", "batch"):
        batches.add_column(column)
    for product, lot, batch_id in outcome.lots:
        batches.add_row(product, lot, batch_id)
    console.print(batches)
    for path in outcome.labels:
        console.print(f"label: {path}")
    forward = Table(title=f"Forward trace of flour lot {TRACED_FLOUR_LOT}: where did it go?")
    backward = Table(title="Backward trace of the cake lot: what went into it?")
    for table in (forward, backward):
        for column in ("depth", "lot", "GTIN", "material / product", "vendor"):
            table.add_column(column)
    for table, trace in ((forward, outcome.forward), (backward, outcome.backward)):
        for lot in trace.get("lots", []):
            table.add_row(
                str(lot.get("depth", "")),
                str(lot.get("lot", "")),
                str(lot.get("gtin") or "-"),
                str(lot.get("product") or lot.get("material") or "-"),
                str(lot.get("vendor") or "-"),
            )
    console.print(forward)
    console.print(backward)
    console.print(f"Everything is in {directory} (config, state, trace.db, labels, logs).")
    if outcome.failures:
        console.print("[bold red]The demo did not go as expected:[/]")
        for failure in outcome.failures:
            console.print(f"  [red]✘[/] {failure}")
    else:
        console.print("[bold green]Demo complete: everything happened as expected.[/]")


def run_demo(keep: Path | None) -> int:
    """Run the demo in `keep` (kept afterwards) or a temporary directory; 0 when all went well."""
    console = Console(highlight=False)
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        if any(keep.iterdir()):
            console.print(f"[red]{keep} is not empty; give a new or empty directory[/]")
            return 2
        outcome = Demo(keep, console).run()
        summary(console, outcome, keep)
        return 1 if outcome.failures else 0
    with tempfile.TemporaryDirectory(prefix="lotedge-demo-") as tmp:
        outcome = Demo(Path(tmp), console).run()
        summary(console, outcome, Path(tmp))
        console.print("(a temporary directory, removed now: use --keep DIR to look afterwards)")
    return 1 if outcome.failures else 0
