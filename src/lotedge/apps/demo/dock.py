"""The demo's shipping dock: yesterday's bread still in stock (the store pushes the stock to the
dock, which warns FEFO), two pallets (one lot only, one mixed) shipped to two customers, a third
stopped at the dock by the store's late hold, and the recall that names both customers."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import zxingcpp
from PIL import Image

from lotedge.apps.demo.checks import lotedge_cli, private_urns, wait_until
from lotedge.apps.demo.labels import label_scan
from lotedge.apps.demo.script import HOLD_REASON, TRACED_FLOUR_LOT, WAIT, Step
from lotedge.config.loader import load_config
from lotedge.core import epcis

if TYPE_CHECKING:
    from lotedge.apps.demo.runner import Demo
    from lotedge.simulators.printer import PrinterSimulator
    from lotedge.simulators.scanner import PtyScanner

CORNER, KIOSK = "CORNER", "KIOSK"
CUSTOMERS = f"""
[[customers]]
code = "{CORNER}"
name = "Corner Bakery"
gln = "9520987000011"
address = "12 Harbour Street, Porttown"

[[customers]]
code = "{KIOSK}"
name = "Station Kiosk"
gln = "9520987000028"
address = "Platform 1, Central Station"
"""
"""The customers, in the agent's config (ship-to) and the store's (the recall names them); with
GLNs, so that the demo's events name no one by a `urn:lotedge:` URN."""
SHIPPING = """
[shipping]
company_prefix = "952012"
ship_from_name = "Demo Bakery"
ship_from_address = "1 Mill Road, Exampletown"
"""


def pallet_scan(png: Path) -> str | None:
    """The SSCC barcode, (00) in GS1-128, of a printed logistic label, as a scanner sends it."""
    for barcode in zxingcpp.read_barcodes(Image.open(png), text_mode=zxingcpp.TextMode.Plain):
        if barcode.symbology_identifier == "]C1" and barcode.text.startswith("00"):
            return barcode.symbology_identifier + barcode.text
    return None


def yesterdays_bread(agent_config: Path, out: Path) -> tuple[str, Path]:
    """Yesterday's batch end of bread at this line, as the EPCIS event the line published then
    (its lot number and the file): the stock the shift started with."""
    config = load_config(agent_config)
    bread = config.product("BREAD")
    assert bread is not None
    made = date.today() - timedelta(days=1)
    lot = f"{made:%y}{made.timetuple().tm_yday:03d}{config.identity.line}0007"
    event = epcis.output_event(
        config.identity,
        batch_id="6f1e2d3c-4b5a-4968-8776-000000000007",  # the late shift's batch
        product=bread,
        lot=lot,
        quantity=Decimal(60),
        produced=made,
        expiry=made + timedelta(days=bread.shelf_life_days),
        event_id="urn:uuid:9f0c1d2e-3b4a-4c5d-8e6f-000000000007",
        when=datetime.combine(made, datetime.min.time()).replace(hour=22).astimezone(),
    )
    out.write_text(json.dumps(event, indent=2) + "\n")
    return lot, out


def stock_to_the_dock(demo: Demo, agent_config: Path, store_config: Path) -> str | None:
    """Yesterday's bread into the store, the stock pushed to the dock (`lotedge store lots
    push-stock`), and the short-dated list (`lotedge store expiring --within 14d`); returns
    yesterday's lot (None when a step failed)."""
    demo.console.rule("Finished goods: what is in stock, what expires soon")
    lot, document = yesterdays_bread(agent_config, demo.dir / "yesterday.jsonld")
    store = ("-c", str(store_config))
    imported = lotedge_cli("store", "import", str(document), *store)
    if not demo.outcome.expect(
        imported.returncode == 0, f"yesterday's bread (lot {lot}) is in the store"
    ):
        return None
    pushed = lotedge_cli("store", "lots", "push-stock", *store, "--json")
    report = json.loads(pushed.stdout) if pushed.returncode == 0 else {}
    confirmed = {m for line in report.get("lines", []) for m in line.get("confirmed", [])}
    if not demo.outcome.expect(
        {"BREAD", "CAKE"} <= confirmed,
        f"the store pushed the stock to the dock: {', '.join(sorted(confirmed)) or 'nothing'} "
        f"confirmed {pushed.stderr.strip()[:200]}",
    ):
        return None
    short = lotedge_cli("store", "expiring", "--within", "14d", *store)
    demo.console.print("  the short-dated stock (lotedge store expiring --within 14d):")
    demo.console.print(short.stdout.rstrip(), markup=False)
    demo.outcome.expect(lot in short.stdout, "the short-dated list names yesterday's bread")
    return lot


def pack_and_ship(
    demo: Demo, state: Any, scanner: PtyScanner, printer: PrinterSimulator, older: str
) -> list[str]:
    """Pack three pallets, ship the first two; returns the pallet labels' scans (empty when a
    step failed). Every case of today's bread is warned: `older` (yesterday's) ships first."""
    demo.console.rule("The shipping dock: pallets for two customers")
    bread, cake, other_bread = (label_scan(Path(p)) for p in demo.dock_labels(printer))
    if not demo.outcome.expect(
        None not in (bread, cake, other_bread), "the lot labels read back as case labels"
    ):
        return []
    assert bread is not None and cake is not None and other_bread is not None
    fefo = {"warning": "fefo", "says": older}
    pallets: list[tuple[str, list[Step]]] = [
        (CORNER, [Step(bread, "cases_added", "the loaves of batch 1: FEFO warns", **fefo)]),
        (
            KIOSK,
            [
                Step(cake, "cases_added", "the cakes of batch 2"),
                Step(other_bread, "cases_added", "the loaves of batch 3: mixed", **fefo),
            ],
        ),
        (CORNER, [Step(bread, "cases_added", "more loaves of batch 1, for later", **fefo)]),
    ]
    if not demo.play(state, scanner, Step("#LE:SHIP", "mode_set", "shipping mode")):
        return []
    labels = []
    for customer, cases in pallets:
        opened = Step(f"#LE:PALLET:{customer}", "pallet_opened", f"a pallet for {customer}")
        closed = Step("#LE:CLOSE", "pallet_closed", "closed: its logistic label prints")
        printed = len(printer.jobs)
        if not all(demo.play(state, scanner, step) for step in (opened, *cases, closed)):
            return []
        done = printer.wait_for_jobs(printed + 1, WAIT)
        png = printer.jobs[printed].png_path if done else None
        scan = pallet_scan(png) if png is not None else None
        if not demo.outcome.expect(scan is not None, "the logistic label reads back (SSCC)"):
            return []
        assert scan is not None
        demo.console.print(f"    SSCC {scan[5:]} on the label")
        labels.append(scan)
    for customer, label in zip((CORNER, KIOSK), labels, strict=False):
        ship_to = Step(f"#LE:TO:{customer}", "ship_to_set", f"ship-to {customer}")
        shipped = Step(label, "shipped", f"pallet {label[5:]} scanned onto the truck")
        if not (demo.play(state, scanner, ship_to) and demo.play(state, scanner, shipped)):
            return []
    return labels


def stopped_at_the_dock(demo: Demo, state: Any, scanner: PtyScanner, label: str) -> None:
    """After the store's hold: the third pallet, closed before it, is refused at dispatch."""
    demo.console.rule("The late hold reaches the dock")
    for step in (
        Step("#LE:SHIP", "mode_set", "back to the dock"),
        Step(f"#LE:TO:{CORNER}", "ship_to_set", f"ship-to {CORNER}"),
        Step(label, "on_hold", "the third pallet, closed before the hold", says=HOLD_REASON),
    ):
        if not demo.play(state, scanner, step):
            return


def recall(demo: Demo, store_config: Path, labels: list[str]) -> None:
    """`lotedge recall NM2611A -c store.toml --format json`: it names both customers, with
    their pallets' SSCCs, and not the pallet stopped at the dock."""
    from lotedge.store.db import open_database, resolve_url

    demo.console.rule(f"Recall of {TRACED_FLOUR_LOT}: who received it")
    command = ["recall", TRACED_FLOUR_LOT, "-c", str(store_config), "--format", "json"]
    answer: dict[str, Any] = {}

    def both_shipments() -> bool:
        result = lotedge_cli(*command)
        answer.update(json.loads(result.stdout) if result.returncode == 0 else {})
        return len(answer.get("shipments", [])) >= 2

    stored = wait_until(both_shipments, WAIT)
    (demo.dir / "recall.json").write_text(json.dumps(answer, indent=2) + "\n")
    shipments = answer.get("shipments", [])
    for s in shipments:
        lots = ", ".join(f"{x['lot']} {x['quantity']:g}" for x in s["lots"])
        demo.console.print(
            f"  {s['customer']['code']} {s['customer']['name']}: SSCC {s['sscc']} ({lots})"
        )
    found = {(s["customer"]["code"], s["sscc"]) for s in shipments}
    expected = {(CORNER, labels[0][5:]), (KIOSK, labels[1][5:])}
    demo.outcome.expect(
        stored and found == expected,
        f"the recall names both customers with their SSCCs ({sorted(found)})",
    )
    demo.outcome.recall = answer
    with open_database(resolve_url("sqlite:///trace.db", store_config.parent)) as database:
        private = private_urns(database)
    demo.outcome.expect(
        not private, f"the dock's events name everything by GS1 identifiers too ({private[:3]})"
    )


def drill(demo: Demo, store_config: Path) -> None:
    """`lotedge recall drill NM2611A -c store.toml --out DIR/drill`: the mock recall a regulator
    would ask for (FSMA 204 spreadsheet, CSV, genealogy, JSON), each step timed."""
    demo.console.rule(f"Mock-recall drill of {TRACED_FLOUR_LOT}")
    out = demo.dir / "drill"
    command = ["recall", "drill", TRACED_FLOUR_LOT, "-c", str(store_config), "--out", str(out)]
    result = lotedge_cli(*command, "--json")
    summary: dict[str, Any] = json.loads(result.stdout) if result.returncode == 0 else {}
    for timing in summary.get("timings", []):
        demo.console.print(f"  {timing['step']:<24} {timing['seconds'] * 1000:8.1f} ms")
    if summary:
        demo.console.print(
            f"  {'total':<24} {summary['seconds'] * 1000:8.1f} ms: "
            f"{len(summary['affected_lots'])} lots, {len(summary['shipments'])} shipments, "
            f"customers {', '.join(summary['customers'])}"
        )
    written = sorted(p.name for p in out.glob("*")) if out.is_dir() else []
    demo.outcome.expect(
        len(summary.get("customers", [])) == 2
        and any(name.endswith("-fsma204.xlsx") for name in written),
        f"the drill names both customers and writes its package ({written}; "
        f"{result.stderr.strip()[:200]})",
    )
