"""Topic layout: `{prefix}/{site}/{line}/{events|alerts|status|ops|rejections|cmd/...}`.

The rest of the agent only knows relative topics ('events'); this is the one place that turns
them into full MQTT topics, and (for the trace store) full topics back into the line that sent
them.
"""

from __future__ import annotations

from dataclasses import dataclass

from lotedge.masterdata.identity import Identity

DEFAULT_PREFIX = "lotedge/v1"
"""The first levels of every topic unless `[mqtt] topic_prefix` says otherwise."""

#: Relative topics under `{prefix}/{site}/{line}/`.
EVENTS = "events"
"""EPCIS 2.0 events (the trace store's input)."""
OPS = "ops"
"""Operational messages: batch started/cancelled, label printed."""
REJECTIONS = "rejections"
"""Rejected scans, for the store's vendor report."""
ALERTS = "alerts"
"""Alerts raised and resolved at the line."""
STATUS = "status"
"""Retained availability: online, stopped, offline (last will)."""
REQUEST = "cmd/request"
RESPONSE = "cmd/response"


class TopicError(ValueError):
    """A topic that must not be published to."""


@dataclass(frozen=True)
class Topics:
    """The agent's topic root and the topics under it."""

    root: str

    @classmethod
    def for_agent(cls, prefix: str, identity: Identity) -> Topics:
        return cls(f"{prefix.strip('/')}/{identity.site}/{identity.line}")

    def of(self, relative: str) -> str:
        """The full topic for a relative one; wildcards and empty levels are refused."""
        topic = f"{self.root}/{relative}"
        if "+" in topic or "#" in topic or "\0" in topic:
            raise TopicError(f"cannot publish to {topic!r}: it contains a wildcard (+ or #)")
        if "" in topic.split("/"):
            raise TopicError(f"cannot publish to {topic!r}: it has an empty level")
        return topic

    @property
    def status(self) -> str:
        return self.of(STATUS)

    @property
    def requests(self) -> str:
        """Subscription filter for every command request."""
        return f"{self.root}/{REQUEST}/+"

    def command_name(self, topic: str) -> str | None:
        """'batch.start' for `{root}/cmd/request/batch.start`, None for any other topic."""
        head = f"{self.root}/{REQUEST}/"
        name = topic[len(head) :] if topic.startswith(head) else ""
        return name if name and "/" not in name else None

    def response(self, name: str) -> str:
        return self.of(f"{RESPONSE}/{name}")


def every_line(prefix: str, relative: str) -> str:
    """Subscription filter for one relative topic of every agent under `prefix`.

    >>> every_line(DEFAULT_PREFIX, EVENTS)
    'lotedge/v1/+/+/events'
    """
    return f"{prefix.strip('/')}/+/+/{relative}"


def line_of_topic(topic: str) -> tuple[str, str, str] | None:
    """(prefix, site, line) of an agent's `{prefix}/{site}/{line}/{events|rejections|...}`
    topic (one level after the line); None when the topic has no such levels.

    >>> line_of_topic("lotedge/v1/PLANT1/L1/events")
    ('lotedge/v1', 'PLANT1', 'L1')
    >>> line_of_topic("events") is None
    True
    """
    parts = topic.split("/")
    if len(parts) < 4 or "" in parts[-3:-1]:
        return None
    return "/".join(parts[:-3]), parts[-3], parts[-2]
