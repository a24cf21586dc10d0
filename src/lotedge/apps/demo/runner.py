"""Starting the parts, running the shift, checking each step; `run_demo` is `lotedge demo`."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from lotedge.agent.client import ControlClient
from lotedge.apps.broker import EmbeddedBroker
from lotedge.apps.demo import dock, store_steps
from lotedge.apps.demo.checks import lotedge_cli, wait_until
from lotedge.apps.demo.labels import label_lot, label_scan, scan_lot
from lotedge.apps.demo.report import DemoResult, ReportConsole, summary
from lotedge.apps.demo.script import (
    BACK_TO_PRODUCTION,
    HELD_SCAN,
    HOLD_REASON,
    MASTER_DATA,
    PURCHASE_ORDER,
    RECEIVING,
    SITE_GLN,
    TRACED_FLOUR_LOT,
    WAIT,
    Step,
    the_shift,
)
from lotedge.simulators.printer import PrinterSimulator
from lotedge.simulators.scanner import PtyScanner
from lotedge.state.db import STATE_FILE, connect


class Demo:
    """Starts the parts, runs the shift, prints the summary."""

    def __init__(self, directory: Path, console: Console) -> None:
        self.dir = directory
        self.console = console
        self.outcome = DemoResult()
        self.processes: list[subprocess.Popen[bytes]] = []

    # -- setting up ----------------------------------------------------------------------------
    def write_config(self, broker_port: int, printer_port: int) -> Path:
        config = f"""# Written by `lotedge demo`: the demo line on simulators, embedded broker.
[identity]
site = "DEMO"
site_gln = "{SITE_GLN}"
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
{MASTER_DATA}{dock.SHIPPING}{dock.CUSTOMERS}"""
        path = self.dir / "lotedge.toml"
        path.write_text(config)
        return path

    def write_store_config(self, broker_port: int) -> Path:
        """`store.toml`: the trace store's own config (database next to it, the broker), which
        `lotedge recall NM2611A -c store.toml` reads afterwards."""
        config = f"""# Written by `lotedge demo`: the trace store (lotedge store, recall, hold).
[store]
database_url = "sqlite:///trace.db"
[store.mqtt]
host = "127.0.0.1"
port = {broker_port}
protocol = "3.1.1"
[store.mqtt.tls]
enabled = false
{dock.CUSTOMERS}"""
        path = self.dir / "store.toml"
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
    def run(self) -> DemoResult:
        console, outcome = self.console, self.outcome
        broker = EmbeddedBroker()
        broker.start()
        console.print(f"[bold]MQTT broker[/] (embedded amqtt) on 127.0.0.1:{broker.port}")
        printer = PrinterSimulator(port=0, out_dir=self.dir / "labels").start()
        console.print(
            f"[bold]Printer simulator[/] on 127.0.0.1:{printer.port}, "
            f"labels -> {escape(str(printer.out_dir))}"
        )
        scanner = PtyScanner(self.dir / "ttyScanner")
        console.print(
            f"[bold]Scanner simulator[/] on {escape(scanner.path)} "
            f"(the agent reads it as {escape(scanner.device)})"
        )
        config = self.write_config(broker.port, printer.port)
        store_config = self.write_store_config(broker.port)
        try:
            self.spawn("store", "store", "-c", str(store_config))
            agent = self.spawn("agent", "run", "-c", str(config))
            control = ControlClient(self.dir / "state" / "control.sock", timeout=WAIT)
            if not outcome.expect(wait_until(lambda: _answers(control)), "the agent started"):
                return outcome
            console.print(
                f"[bold]Agent[/] running (pid {agent.pid}), state in "
                f"{escape(str(self.dir / 'state'))}"
            )
            self.station(control)
            state = connect(self.dir / "state" / STATE_FILE)
            try:
                receiving_label = self.receiving(state, scanner, printer, control)
                if receiving_label is None:
                    return outcome
                self.shift(state, scanner, printer, control, receiving_label)
                self.wait_for_delivery(control)
                store_steps.traces(self, store_config)
                older = dock.stock_to_the_dock(self, config, store_config)
                pallets = dock.pack_and_ship(self, state, scanner, printer, older) if older else []
                self.play(state, scanner, BACK_TO_PRODUCTION)
                self.hold(state, scanner, control, store_config)
                if len(pallets) == 3:
                    dock.stopped_at_the_dock(self, state, scanner, pallets[2])
            finally:
                state.close()
            self.wait_for_delivery(control)
            store_steps.vendor_report(self, store_config)
            if len(pallets) == 3:
                dock.recall(self, store_config, pallets)
                dock.drill(self, store_config)
        finally:
            self.stop_processes()
            scanner.close()
            printer.stop()
            broker.stop()
        rendered = [str(job.png_path) for job in printer.jobs if job.png_path]
        outcome.labels = rendered[1:4]  # the yeast's receiving label, 3 lot labels, the pallets'

        outcome.expect(len(outcome.labels) == 3, "three lot labels were printed and rendered")
        scanned = [label_lot(Path(path)) for path in outcome.labels]
        made = [lot for _, lot, _ in outcome.lots]
        outcome.expect(scanned == made, f"the labels scan back to the new lots ({scanned})")
        return outcome

    def dock_labels(self, printer: PrinterSimulator) -> list[str]:
        """The lot labels of the three batches (after the yeast's receiving label): the dock
        scans them as case labels."""
        return [str(job.png_path) for job in printer.jobs[1:4] if job.png_path]

    def station(self, control: ControlClient) -> None:
        """Say where the operator station is, and check that it answers."""
        started = wait_until(lambda: "station" in control.request("status")["data"])
        if not self.outcome.expect(started, "the operator station started"):
            return
        url = control.request("status")["data"]["station"]["url"]
        with urllib.request.urlopen(f"{url}api/state", timeout=WAIT) as response:
            site = json.load(response)["site"]
        self.outcome.expect(site == "DEMO", "the operator station answers")
        self.console.print(
            f"[bold]Operator station[/] at {escape(url)} (open it while the demo runs)\n"
        )

    def play(self, state: Any, scanner: PtyScanner, step: Step) -> bool:
        """Scan `step` on the scanner simulator and check the agent's decision; False when it
        did not come or was not the expected one."""
        seen = _scan_count(state)
        scanner.write(step.scan.encode() + b"\r")
        if not self.outcome.expect(
            wait_until(lambda: _scan_count(state) > seen), f"a decision for {step.note}"
        ):
            return False
        reason, message, warning = state.execute(
            "SELECT reason, message, warning FROM scans ORDER BY id DESC LIMIT 1"
        ).fetchone()
        advice = json.loads(warning) if warning else {}
        said = f"{message} {advice.get('message', '')}"
        ok = self.outcome.expect(
            reason == step.expect
            and advice.get("code") == step.warning
            and (step.says is None or step.says in said),
            f"{step.note}: {step.expect}"
            + (f" with a {step.warning} warning" if step.warning else "")
            + (f" naming {step.says!r}" if step.says else ""),
        )
        mark = "[green]✔[/]" if ok else f"[red]✘ expected {escape(step.expect)}[/]"
        self.console.print(
            f"  {mark} {escape(step.note)}: [bold]{escape(reason)}[/] - {escape(message)}"
        )
        if advice:
            self.console.print(
                f"    [yellow]warning ({escape(advice['code'])})[/] {escape(advice['message'])}"
            )
        return ok

    def receiving(
        self, state: Any, scanner: PtyScanner, printer: PrinterSimulator, control: ControlClient
    ) -> str | None:
        """Goods receipt: the PO, a labelled and an unlabelled delivery; back to production.
        Returns the scan read back from the unlabelled delivery's receiving label."""
        self.console.rule("Before the shift: goods receipt")
        for step in RECEIVING:
            if not self.play(state, scanner, step):
                return None
        expiry = (date.today() + timedelta(days=30)).isoformat()
        answer = control.request("receive.unlabelled", material="YEAST", quantity=1, expiry=expiry)
        internal = (answer.get("data") or {}).get("lot")
        if not self.outcome.expect(
            answer["status"] == "ok" and bool(internal), f"unlabelled yeast received ({answer})"
        ):
            return None
        self.console.print(
            "  [green]✔[/] 1 kg of yeast without a lot number: internal lot "
            f"[bold]{escape(str(internal))}[/]"
        )
        printed = wait_until(lambda: printer.wait_for_jobs(1, 0.2))
        job = printer.jobs[0] if printed else None
        rendered = job is not None and job.rendered.wait(WAIT) and job.png_path is not None
        if not self.outcome.expect(rendered, "the receiving label printed and rendered"):
            return None
        assert job is not None and job.png_path is not None
        self.outcome.receiving_label = str(job.png_path)
        scan = label_scan(job.png_path)
        read_back = scan_lot(scan) if scan else None
        if not self.outcome.expect(
            read_back == internal, f"the receiving label reads back as lot {internal} ({scan!r})"
        ):
            return None
        self.console.print(
            f"  [green]✔[/] receiving label {escape(job.png_path.name)} "
            f"reads {escape(str(internal))}"
        )
        if not self.play(state, scanner, BACK_TO_PRODUCTION):
            return None
        status = control.request("status")["data"]
        self.outcome.expect(
            status["mode"] == "production", f"the line is back in production ({status['mode']})"
        )
        self.outcome.expect(
            status["receipt_reference"] == {"type": "po", "number": PURCHASE_ORDER},
            f"the receipts belong to {PURCHASE_ORDER} ({status['receipt_reference']})",
        )
        return scan

    def shift(
        self,
        state: Any,
        scanner: PtyScanner,
        printer: PrinterSimulator,
        control: ControlClient,
        receiving_label: str,
    ) -> None:
        for title, steps in the_shift(receiving_label):
            self.console.rule(title)
            if "printer runs out" in title:
                printer.set_fault(paper_out=True)
                self.console.print("[yellow]printer: paper out[/] (the simulator's fault switch)")
            for step in steps:
                if not self.play(state, scanner, step):
                    return
            ended = state.execute(
                "SELECT product, lot, id FROM batches WHERE status = 'ended' ORDER BY ended_at DESC"
            ).fetchone()
            if ended:
                self.outcome.lots.append(ended)
            if "printer runs out" in title:
                self.paper_out_then_clear(printer, control)

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

    def hold(self, state: Any, scanner: PtyScanner, control: ControlClient, config: Path) -> None:
        """The store holds the flour lot and everything made from it, with the command a
        quality manager runs; the line confirms over MQTT, then refuses the lot."""
        self.console.rule(f"After the shift: the store holds {TRACED_FLOUR_LOT} and its products")
        protocol = control.request("status")["data"]["publisher"]["protocol"]
        self.console.print(f"  the agent takes commands over MQTT {protocol} (embedded broker)")
        command = ["hold", TRACED_FLOUR_LOT, "--forward", "--reason", HOLD_REASON]
        self.console.print(f"  $ lotedge {escape(shlex.join(command))}")
        result = lotedge_cli(*command, "-c", str(config), "--json", timeout=2 * WAIT)
        (self.dir / "hold.json").write_text(result.stdout)
        try:
            self.outcome.hold = json.loads(result.stdout)
        except json.JSONDecodeError:
            self.outcome.hold = {}
        held = self.outcome.hold.get("lots", [])
        lines = self.outcome.hold.get("lines", [])
        for line in lines:
            self.console.print(f"  line {escape(line['line'])}: {escape(line['state'])}")
        made_with_it = [lot for _, lot, _ in self.outcome.lots[:2]]
        self.outcome.expect(
            result.returncode == 0 and lines != [],
            f"every line confirmed the hold (exit {result.returncode}: "
            f"{self.outcome.hold.get('error') or result.stderr.strip() or lines})",
        )
        self.outcome.expect(
            {TRACED_FLOUR_LOT, *made_with_it} <= set(held),
            f"the hold covers {TRACED_FLOUR_LOT} and the lots made from it ({held})",
        )
        at_line = {h.get("lot") for h in control.request("hold.list")["data"]["holds"]}
        self.outcome.expect(
            set(held) <= at_line, f"the agent lists every held lot ({sorted(at_line)})"
        )
        self.console.print(f"  {len(held)} lots held: {escape(' '.join(held))}")
        for step in HELD_SCAN:
            if not self.play(state, scanner, step):
                return
        cancelled = control.request("batch.cancel", reason="the flour is on hold")
        self.outcome.expect(cancelled["status"] == "ok", f"the batch is cancelled ({cancelled})")
        self.console.print("  the operator cancels the batch: nothing was loaded")


def _answers(control: ControlClient) -> bool:
    try:
        return control.request("status")["status"] == "ok"
    except (ConnectionError, OSError):
        return False


def _scan_count(state: Any) -> int:
    return state.execute("SELECT count(*) FROM scans").fetchone()[0]


def run_demo(keep: Path | None) -> int:
    """Run the demo in `keep` (kept afterwards) or a temporary directory; 0 when all went well."""
    console = ReportConsole()
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        if any(keep.iterdir()):
            console.print(
                f"[red]{escape(str(keep))} is not empty; give a new or empty directory[/]"
            )
            return 2
        outcome = Demo(keep, console).run()
        summary(console, outcome, keep)
        return 1 if outcome.failures else 0
    with tempfile.TemporaryDirectory(prefix="lotedge-demo-") as tmp:
        outcome = Demo(Path(tmp), console).run()
        summary(console, outcome, None)
    return 1 if outcome.failures else 0
