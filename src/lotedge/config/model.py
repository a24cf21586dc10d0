"""The root of the config file and the checks that span several sections."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import Field

from lotedge.config.devices import CameraConfig, ScannerConfig
from lotedge.config.mqtt import MqttConfig
from lotedge.config.printing import LabelConfig, PrinterConfig, check_label_templates
from lotedge.config.problems import Problem
from lotedge.config.remote import RemoteConfig
from lotedge.config.shipping import ShippingConfig, check_shipping
from lotedge.config.socket_path import CONTROL_SOCKET, STATE_DIR
from lotedge.config.station import StationConfig
from lotedge.config.store import StoreConfig
from lotedge.config.weighing import ScaleConfig, WeighingConfig, check_weighing
from lotedge.core import quantities
from lotedge.core.decisions import FefoPolicy
from lotedge.core.lots import LotFields, LotScheme, LotTemplate, LotTemplateError
from lotedge.masterdata.customers import Customer
from lotedge.masterdata.identity import Identity
from lotedge.masterdata.items import Material, Product, SeqReset
from lotedge.masterdata.locations import Location, LocationBook
from lotedge.masterdata.section import Section
from lotedge.masterdata.suggestions import suggest


class StateConfig(Section):
    """Where the agent keeps its durable state."""

    dir: str = Field(
        default=STATE_DIR, description="State directory (relative to the config file)."
    )


class ScanConfig(Section):
    """How scans are judged."""

    debounce_seconds: float = Field(
        default=3.0, ge=0, description="The same code again within this window is a double read."
    )
    command_prefix: str = Field(
        default="#LE:", min_length=1, description="Barcodes starting with this are commands."
    )
    fefo: FefoPolicy = Field(
        default=FefoPolicy.WARN,
        description="A lot that expires later than another open lot of the same material: "
        "off, warn (accepted with a warning naming the lot to use first) or reject.",
    )


class ReceivingConfig(Section):
    """Goods receipt: a receiving station, or a line that switches to receiving mode."""

    role: Literal["line", "receiving"] = Field(
        default="line",
        description="line: production, switched to receiving by #LE:RECEIVE or mode.set; "
        "receiving: a receiving station, every material scan is a receipt.",
    )
    lot_template: str = Field(
        default="R{yy}{julian}{seq:4}",
        description="Template of internal lots for material that arrives without a lot number "
        "(same tokens as products' lot_template; {product} is the material code).",
    )
    seq_reset: SeqReset = Field(default=SeqReset.DAILY, description="When {seq} restarts at 1.")
    label_template: str = Field(
        default="receiving_label.zpl.j2",
        description="ZPL template of the receiving label, in the labels directory.",
    )

    @property
    def code(self) -> str:
        """The counter scope of internal lots (products use their own code)."""
        return "RECEIVING"


class ControlConfig(Section):
    """The local control channel the CLI uses to talk to the running daemon."""

    socket: str = Field(
        default=CONTROL_SOCKET, description="Unix socket path (relative to the state directory)."
    )


class LimitsConfig(Section):
    """Bounds on what comes from outside (see docs/security.md)."""

    max_quantity: Decimal = Field(
        default=quantities.DEFAULT_MAXIMUM,
        gt=0,
        le=Decimal(10) ** quantities.MAX_EXPONENT,
        description="The largest planned, produced or received quantity accepted.",
    )


class MetricsConfig(Section):
    """The optional Prometheus endpoint."""

    port: int = Field(default=9464, ge=1, le=65535, description="HTTP port of /metrics.")
    bind: str = Field(default="127.0.0.1", description="Address to listen on.")


class ComplianceConfig(Section):
    """Rules of a regulator the records must satisfy (docs/recall.md)."""

    fsma204: bool = Field(
        default=False,
        description="FDA's Food Traceability Rule: config check warns about master data that "
        "leaves a key data element empty, receiving refuses a receipt that would.",
    )


class Config(Section):
    """A whole lotedge config file."""

    identity: Identity
    state: StateConfig = Field(default_factory=StateConfig)
    scan: ScanConfig = Field(default_factory=ScanConfig)
    receiving: ReceivingConfig = Field(default_factory=ReceivingConfig)
    control: ControlConfig = Field(default_factory=ControlConfig)
    limits: LimitsConfig = Field(default_factory=LimitsConfig)
    remote: RemoteConfig = Field(default_factory=RemoteConfig)
    master_data_file: str | None = Field(
        default=None,
        description="Optional TOML (materials, products, customers, locations) or CSV (materials) "
        "master-data file.",
    )
    materials: list[Material] = Field(default_factory=list, description="Materials.")
    products: list[Product] = Field(default_factory=list, description="Products.")
    customers: list[Customer] = Field(default_factory=list, description="Customers we ship to.")
    locations: list[Location] = Field(
        default_factory=list,
        description="Our sites, vendors' and customers' places (docs/recall.md).",
    )
    compliance: ComplianceConfig = Field(default_factory=ComplianceConfig)
    scanners: list[ScannerConfig] = Field(default_factory=list, description="Barcode scanners.")
    cameras: list[CameraConfig] = Field(default_factory=list, description="Barcode cameras.")
    printer: PrinterConfig | None = Field(default=None, description="The line's label printer.")
    scales: list[ScaleConfig] = Field(default_factory=list, description="Scales (weighing).")
    weighing: WeighingConfig = Field(default_factory=WeighingConfig)
    labels: LabelConfig = Field(default_factory=LabelConfig)
    mqtt: MqttConfig | None = Field(default=None, description="Broker for publishing events.")
    store: StoreConfig = Field(default_factory=StoreConfig)
    metrics: MetricsConfig | None = Field(default=None, description="Prometheus endpoint.")
    station: StationConfig | None = Field(
        default=None, description="The operator station web page; off when absent."
    )
    shipping: ShippingConfig | None = Field(
        default=None, description="The shipping dock (pallets, SSCCs); off when absent."
    )

    #: Directory the config file was read from; relative paths resolve against it.
    base_dir: Path = Field(default=Path("."), exclude=True)

    def resolve(self, relative: str) -> Path:
        """A config path made absolute against the config file's directory."""
        path = Path(relative).expanduser()
        return path if path.is_absolute() else (self.base_dir / path).resolve()

    @property
    def state_dir(self) -> Path:
        return self.resolve(self.state.dir)

    @property
    def location_book(self) -> LocationBook:
        """The locations by code, GLN and name."""
        return LocationBook(self.locations)

    def product(self, code: str) -> Product | None:
        return next((p for p in self.products if p.code == code), None)

    def material(self, code: str) -> Material | None:
        return next((m for m in self.materials if m.code == code), None)

    @property
    def device_role(self) -> str:
        """`receiving` or `shipping` for a station of that role, else `line` (modes switch)."""
        if self.shipping is not None and self.shipping.role == "shipping":
            return "shipping"
        return self.receiving.role

    def customer(self, code: str) -> Customer | None:
        return next((c for c in self.customers if c.code == code), None)

    def weighing_scale(self) -> ScaleConfig | None:
        """The scale weighed materials are weighed on: the one named, else the first."""
        name = self.weighing.scale
        return next((s for s in self.scales if not name or s.name == name), None)


def cross_checks(config: Config) -> list[Problem]:
    """Checks that span sections; each problem names the key it is about."""
    return [
        *check_unique_codes(config),
        *check_customer_locations(config.customers, config.locations),
        *check_boms(config),
        *check_lot_templates(config),
        *check_label_templates(config.printer, config.products),
        *check_shipping(config.shipping, config.customers),
        *check_one_role(config),
        *check_weighing(config.materials, config.products, config.scales, config.weighing),
    ]


def check_one_role(config: Config) -> list[Problem]:
    """A device is a receiving station or a shipping station, not both."""
    if config.receiving.role == "receiving" and config.device_role == "shipping":
        message = "[receiving] role and [shipping] role both make this device a station"
        return [Problem("shipping.role", message, "set one of them to line")]
    return []


def check_unique_codes(config: Config) -> list[Problem]:
    """Material codes, product codes, GTINs and device names each identify exactly one thing."""
    problems = []
    for key, kind, codes in (
        ("materials", "material code", [m.code for m in config.materials]),
        ("products", "product code", [p.code for p in config.products]),
        ("locations", "location code", [loc.code for loc in config.locations]),
        ("materials", "material GTIN", [g for m in config.materials for g in m.gtins]),
        ("scanners", "scanner name", [s.name for s in config.scanners]),
        ("cameras", "camera name", [c.name for c in config.cameras]),
        ("scales", "scale name", [s.name for s in config.scales]),
    ):
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            problems.append(
                Problem(key, f"{kind} used more than once: {', '.join(dupes)}", "make each unique")
            )
    return problems


def check_customer_locations(
    customers: Iterable[Customer], locations: Iterable[Location]
) -> list[Problem]:
    """A customer's `location` names a `[[locations]]` entry."""
    known = {loc.code for loc in locations}
    return [
        Problem(
            f"customers[{i}].location",
            f"customer {c.code} names location {c.location!r}, which is not in [[locations]]",
            suggest(c.location, known, "add it to [[locations]] or fix the code"),
        )
        for i, c in enumerate(customers)
        if c.location is not None and c.location not in known
    ]


def check_boms(config: Config) -> list[Problem]:
    """Every BOM entry names a configured material."""
    known = {m.code for m in config.materials}
    return [
        Problem(
            f"products[{i}].bom[{j}]",
            f"product {p.code} lists material {code!r}, which is not in [[materials]]",
            suggest(code, known, "add it to [[materials]] or fix the code"),
        )
        for i, p in enumerate(config.products)
        for j, code in enumerate(p.bom)
        if code not in known
    ]


def check_lot_templates(config: Config) -> list[Problem]:
    """Each product's lot template, and the internal lots' at receiving, parses, fits GS1 AI (10)
    and cannot repeat within a period."""
    schemes: list[tuple[str, LotScheme]] = [
        (f"products[{i}].lot_template", product) for i, product in enumerate(config.products)
    ]
    schemes.append(("receiving.lot_template", config.receiving))
    # {product} in an internal lot is the material code: check with the longest one.
    longest_material = max((m.code for m in config.materials), key=len, default="")
    problems = []
    for key, scheme in schemes:
        try:
            template = LotTemplate.parse(scheme.lot_template)
        except LotTemplateError as exc:
            problems.append(Problem(key, str(exc), "see docs/configuration.md#lot-numbers"))
            continue
        code = longest_material if scheme is config.receiving else scheme.code
        fields = LotFields(date.today(), config.identity.site, config.identity.line, code)
        problems.extend(
            Problem(key, message, "lots go into a GS1 barcode (AI 10)")
            for message in template.problems(fields, scheme.seq_reset)
        )
    return problems
