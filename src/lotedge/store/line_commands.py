"""Sending commands to the lines over MQTT and collecting their answers (holds, open lots).

One command per (line, lot or material) on `{root}/cmd/request/<op>`, QoS 1, with the agent's
command envelope (docs/events.md, "Commands"): the arguments plus a `transaction`, which the
agent echoes on `{root}/cmd/response/<op>` and uses to apply a retried command at most once (a
page of a lot list is applied again instead: its list id makes that harmless, see
`lot_list_commands`). The sender subscribes to the answers (and to the lines' retained `status`)
before it publishes, then waits up to a timeout. A line that is offline gets the commands from
its persistent MQTT session when it reconnects, within its session expiry; its answer then comes
too late for this sender, so sending the same commands again (same transactions) confirms it.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from lotedge.config.store import StoreConfig, StoreMqttConfig
from lotedge.core.limits import MAX_LOT, MAX_REQUEST_BYTES
from lotedge.core.lot_lists import MAX_LIST_PAGES
from lotedge.mqtt import session
from lotedge.store.db import Database
from lotedge.wire import signing
from lotedge.wire.topics import REQUEST, RESPONSE, STATUS, rabbitmq_delivered


@dataclass(frozen=True)
class Line:
    """A line the store has received messages from, and its command topics' root."""

    root: str
    """`{prefix}/{site}/{line}`."""
    site: str
    line: str

    @property
    def name(self) -> str:
        return f"{self.site}/{self.line}"


def known_lines(db: Database) -> list[Line]:
    """Every line whose events or rejections the store has stored."""
    rows = db.fetchall("SELECT root, site, line FROM lines ORDER BY site, line, root")
    return [Line(*row) for row in rows]


@dataclass(frozen=True)
class LineCommand:
    """One command to every line: what it is about (a lot, a material), its arguments, and
    the transaction id the line applies it under at most once."""

    key: str
    args: dict[str, Any]
    transaction: str
    done_codes: frozenset[str] = frozenset()
    """Error codes that count as confirmed (`not_found` for a release: never had it)."""


MAX_PAGE_LOTS = 400
"""Most lots in one list command: a longer list goes in pages."""


def first_to_expire(lot: Mapping[str, Any]) -> tuple[bool, str, str]:
    """Sort key of a pushed list: the earliest expiry first, lots without one last."""
    return (lot["expiry"] is None, lot["expiry"] or "", lot["lot"])


def lot_list_commands(
    kind: str, subject: str, lists: Mapping[str, Sequence[Mapping[str, Any]]], version: str
) -> list[LineCommand]:
    """The commands that replace, code by code, the lots a line was told before (`lots.open`
    per material, `stock.lots` per product): `{subject: code, "lots": [...], "list": id,
    "page": n, "pages": count}`.

    A line refuses a request over `MAX_REQUEST_BYTES`, so a list goes in pages of at most
    `MAX_PAGE_LOTS` lots that fit in it, in order (an empty list is one page). Every page names
    the list (`list`: a digest of the kind, code, `version` and every page, the same on each
    page) and its place in it: the line stages the pages and replaces the code's lots with the
    whole list once all of them are in, so a push with a page lost never replaces the line's
    list, and the next push completes it. A page of the list a line has already changes nothing
    there (its list id, not the command log, decides: the line does not remember a page's
    reply). A page's key is the code (`CODE#2/3` when there are several) and its transaction
    `{kind}/{code}/{digest}`, the digest of the page, `version` and the page's number; a new
    version (a list back to an earlier content) is a new list, applied anew.

    A lot number longer than GS1's AI 10 allows (`MAX_LOT`: a partner's file may bring one) is
    left out: no label can carry it, and a line refuses the whole page that holds it."""
    commands = []
    for code, lots in sorted(lists.items()):
        scannable = [lot for lot in lots if len(lot["lot"]) <= MAX_LOT]
        pages = _pages(kind, subject, code, scannable)
        list_id = _digest([kind, code, version, pages])
        for number, page in enumerate(pages, 1):
            args = {
                subject: code,
                "lots": page,
                "list": list_id,
                "page": number,
                "pages": len(pages),
            }
            key = code if len(pages) == 1 else f"{code}#{number}/{len(pages)}"
            transaction = f"{kind}/{code}/{_digest([args, version, number])}"
            commands.append(LineCommand(key, args, transaction))
    return commands


def _digest(value: object) -> str:
    """16 hex digits of the SHA-256 of `value` as JSON."""
    return hashlib.sha256(json.dumps(value).encode()).hexdigest()[:16]


def _pages(kind: str, subject: str, code: str, lots: list[Any]) -> list[list[Any]]:
    """`lots` cut into pages of at most `MAX_PAGE_LOTS` whose command body (as the sender
    writes it) stays within `MAX_REQUEST_BYTES`."""
    empty = {
        subject: code,
        "lots": [],
        "list": _digest(None),
        "page": MAX_LIST_PAGES,
        "pages": MAX_LIST_PAGES,
        "transaction": f"{kind}/{code}/{_digest(None)}",
    }
    envelope = len(json.dumps(empty).encode())
    pages: list[list[Any]] = [[]]
    size = envelope
    for lot in lots:
        entry = len(json.dumps(lot).encode()) + 2  # with its ", "
        if pages[-1] and (len(pages[-1]) == MAX_PAGE_LOTS or size + entry > MAX_REQUEST_BYTES):
            pages.append([])
            size = envelope
        pages[-1].append(lot)
        size += entry
    return pages


@dataclass
class LineOutcome:
    """What one line answered."""

    line: Line
    sent: int = 0
    confirmed: list[str] = field(default_factory=list)
    """Keys (lots, materials) the line answered `ok` for."""
    errors: dict[str, str] = field(default_factory=dict)
    """Key -> the line's error message."""
    codes: dict[str, str] = field(default_factory=dict)
    """Key -> the line's error code (`unknown_material`, ...)."""
    staged: list[str] = field(default_factory=list)
    """Confirmed keys whose page the line only kept aside (`complete: false`): its list was not
    whole there yet."""
    status: str | None = None
    """The line's last retained status (`online`, `stopped`, `offline`), if it has one."""

    @property
    def answered(self) -> int:
        return len(self.confirmed) + len(self.errors)

    def to_json(self) -> dict[str, Any]:
        """The line's answers, with a sentence saying what they mean."""
        confirmed, sent = len(self.confirmed), self.sent
        if confirmed == sent:
            state = f"confirmed {confirmed} of {sent}"
        elif self.errors:
            refused = "; ".join(f"{key}: {why}" for key, why in sorted(self.errors.items()))
            state = f"confirmed {confirmed} of {sent}, refused {len(self.errors)}: {refused}"
        else:
            status = f" (its status: {self.status})" if self.status else ""
            state = (
                f"confirmed {confirmed} of {sent}{status}; not answered in time: an offline "
                "line gets the commands from its persistent session when it reconnects (within "
                "its session expiry); run this again to confirm"
            )
        return {
            "line": self.line.name,
            "topic": self.line.root,
            "sent": sent,
            "confirmed": self.confirmed,
            "errors": self.errors,
            "status": self.status,
            "state": state,
        }


def send_to_lines(
    store: StoreConfig,
    base_dir: Path,
    op: str,
    lines: list[Line],
    commands: list[LineCommand],
    timeout: float,
) -> list[LineOutcome]:
    """Check the broker settings, then send `commands` to `lines` (see `CommandSender.send`).
    Raises OSError, ValueError or `session.ConnectFailed` when they cannot be sent."""
    session.check(store.mqtt, base_dir)
    master = store.signing_key.resolve().encode() if store.signing_key else None
    return CommandSender(store.mqtt, base_dir, master).send(op, lines, commands, timeout)


class CommandSender:
    """A short-lived MQTT client (clean session) that sends commands and gathers answers."""

    def __init__(
        self, config: StoreMqttConfig, base_dir: Path, master_key: bytes | None = None
    ) -> None:
        """`master_key`: sign every command with the line's key derived from it (MQTT 5)."""
        self.config = config
        self.base_dir = base_dir
        self.master_key = master_key

    def send(
        self, op: str, lines: list[Line], commands: list[LineCommand], timeout: float
    ) -> list[LineOutcome]:
        """Publish every command to every line and wait up to `timeout` seconds for the
        answers. Raises OSError or `session.ConnectFailed` when the broker cannot be reached."""
        outcomes = {line.root: LineOutcome(line) for line in lines}
        responses = {f"{line.root}/{RESPONSE}/{op}": outcomes[line.root] for line in lines}
        statuses = {f"{line.root}/{STATUS}": outcomes[line.root] for line in lines}
        answers = _Answers(  # under the topics as sent, and as RabbitMQ delivers them
            responses | {rabbitmq_delivered(t): o for t, o in responses.items()},
            statuses | {rabbitmq_delivered(t): o for t, o in statuses.items()},
            {c.transaction: c for c in commands},
        )
        client = short_lived_client(self.config, self.base_dir)
        try:
            client.on_message = answers.on_message
            self._subscribe(client, [*responses, *statuses], timeout)
            pending = []
            for line in lines:
                for command in commands:
                    payload = json.dumps({**command.args, "transaction": command.transaction})
                    topic = f"{line.root}/{REQUEST}/{op}"
                    signed = self._signature(client, line, topic, payload.encode())
                    pending.append(
                        client.publish(topic, payload.encode(), qos=1, properties=signed)
                    )
                    outcomes[line.root].sent += 1
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and not (
                all(info.is_published() for info in pending)
                and all(o.answered >= o.sent for o in outcomes.values())
            ):
                session.pump(client, 0.05)
            if not all(info.is_published() for info in pending):
                raise session.ConnectFailed("the broker did not acknowledge every command")
        finally:
            client.disconnect()
        return list(outcomes.values())

    def _signature(
        self, client: mqtt.Client, line: Line, topic: str, payload: bytes
    ) -> Properties | None:
        """The command's signature as an MQTT 5 user property (None unsigned: no key, or
        MQTT 3.1.1, which has no properties; a line requiring signatures refuses those)."""
        if self.master_key is None or client.protocol != mqtt.MQTTv5:
            return None
        key = signing.line_key(self.master_key, line.site, line.line)
        properties = Properties(PacketTypes.PUBLISH)
        properties.UserProperty = [
            (signing.USER_PROPERTY, signing.sign(key, topic, payload, int(time.time())))
        ]
        return properties

    @staticmethod
    def _subscribe(client: mqtt.Client, topics: list[str], timeout: float) -> None:
        """Subscribe to `topics` and wait for the broker's SUBACK."""
        if not topics:
            return
        acked: list[int] = []
        client.on_subscribe = lambda _c, _u, mid, _r, _p: acked.append(mid)
        _, mid = client.subscribe([(topic, 1) for topic in topics])
        deadline = time.monotonic() + timeout
        while mid not in acked:
            if time.monotonic() > deadline:
                raise session.ConnectFailed("the broker did not confirm the subscription")
            session.pump(client, 0.05)


def short_lived_client(config: StoreMqttConfig, base_dir: Path) -> mqtt.Client:
    """A client connected with a clean session (it lives for one command run) to the first
    broker of host and failover_hosts that accepts one of the versions. Raises OSError or
    `session.ConnectFailed` when none does."""
    config = config.model_copy(update={"session_expiry_seconds": 0})
    versions = ["5", "3.1.1"] if config.protocol == "auto" else [config.protocol]
    attempts = [(e, v) for e in config.endpoints for v in versions]
    for endpoint, version in attempts:
        client = session.make_client(
            config,
            client_id=f"lotedge-store-cmd-{uuid.uuid4().hex[:12]}",
            protocol=session.PROTOCOLS[version],
            base_dir=base_dir,
        )
        try:
            session.connect(client, config, endpoint)
            return client
        except (OSError, session.ConnectFailed):
            if (endpoint, version) == attempts[-1]:
                raise
    raise AssertionError("unreachable")


@dataclass
class _Answers:
    """Where the lines' answers and statuses go, by topic and transaction."""

    responses: dict[str, LineOutcome]
    statuses: dict[str, LineOutcome]
    commands: dict[str, LineCommand]

    def on_message(self, _c: object, _u: object, message: mqtt.MQTTMessage) -> None:
        try:
            body = json.loads(message.payload)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return
        if not isinstance(body, dict):
            return
        if outcome := self.statuses.get(message.topic):
            state = body.get("state")
            outcome.status = state if isinstance(state, str) else None
            return
        outcome = self.responses.get(message.topic)
        transaction = body.get("transaction")
        command = self.commands.get(transaction) if isinstance(transaction, str) else None
        if outcome is None or command is None:
            return  # another caller's answer
        if command.key in outcome.confirmed or command.key in outcome.errors:
            return
        code = body.get("code")
        if body.get("status") == "ok" or code in command.done_codes:
            outcome.confirmed.append(command.key)
            data = body.get("data")
            if isinstance(data, dict) and data.get("complete") is False:
                outcome.staged.append(command.key)
        else:
            outcome.errors[command.key] = str(body.get("error") or code or body)
            outcome.codes[command.key] = str(code)
