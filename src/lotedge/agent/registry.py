"""What the adapters register with the daemon, and what each adapter is given when it starts.

The daemon owns one `Registry`: wake-ups after a commit, status sections, metric sources and
mailboxes (a handler hands an adapter work only it can do: the scale's tare).
The engine reads it (it wakes the workers after a commit that queued output, and adds the
sections to its status reply); adapters only add to it, through their `AdapterHost`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from lotedge.agent.requests import Reply, Request, ScanRequest
from lotedge.config.model import Config
from lotedge.core.scan import RawScan
from lotedge.ops.metrics import MetricSource

StatusProvider = Callable[[], object]


class Registry:
    """The adapters' wake-ups, status sections and metric sources."""

    def __init__(self) -> None:
        self._wakes: list[Callable[[], None]] = []
        self._sections: dict[str, StatusProvider] = {}
        self._metrics: list[MetricSource] = []
        self._mailboxes: dict[str, Callable[[object], None]] = {}

    def on_commit(self, wake: Callable[[], None]) -> None:
        """Call `wake` after each commit that queued outbox rows, label jobs or alerts."""
        self._wakes.append(wake)

    def status(self, name: str, provide: StatusProvider) -> None:
        """Add section `name` to the status reply: whatever `provide()` returns then."""
        if name in self._sections:
            raise ValueError(f"status section {name!r} is registered twice")
        self._sections[name] = provide

    def metrics(self, source: MetricSource) -> None:
        """Read `source` at each scrape of /metrics."""
        self._metrics.append(source)

    def mailbox(self, name: str, post: Callable[[object], None]) -> None:
        """Let handlers hand adapter `name` a message (`post` must not block: it queues)."""
        if name in self._mailboxes:
            raise ValueError(f"mailbox {name!r} is registered twice")
        self._mailboxes[name] = post

    @property
    def mailboxes(self) -> Mapping[str, Callable[[object], None]]:
        """The adapters' mailboxes, as registered so far (a live, read-only view)."""
        return MappingProxyType(self._mailboxes)

    def wake(self) -> None:
        for wake in self._wakes:
            wake()

    @property
    def sections(self) -> Mapping[str, StatusProvider]:
        """The status sections, as registered so far (a live, read-only view)."""
        return MappingProxyType(self._sections)

    @property
    def metric_sources(self) -> list[MetricSource]:
        """The metric sources registered so far (each is read at scrape time)."""
        return list(self._metrics)


@dataclass(frozen=True)
class AdapterHost:
    """What an adapter is given when the daemon starts it: the config, the engine's queue
    (`call`, `submit_scan`) and the registry to add its wake-up, status and metrics to."""

    config: Config
    call: Callable[[Request], Reply]
    registry: Registry = field(default_factory=Registry)

    def submit_scan(self, raw: RawScan) -> Reply:
        """The ScanSink given to scanner and camera sources."""
        return self.call(ScanRequest(raw))

    def on_commit(self, wake: Callable[[], None]) -> None:
        self.registry.on_commit(wake)

    def status(self, name: str, provide: StatusProvider) -> None:
        self.registry.status(name, provide)

    def metrics(self, source: MetricSource) -> None:
        self.registry.metrics(source)

    def mailbox(self, name: str, post: Callable[[object], None]) -> None:
        self.registry.mailbox(name, post)
