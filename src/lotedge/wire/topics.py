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
        """Subscription filter for every command request (`#`, not `+`: RabbitMQ's MQTT
        plugin takes the '.' of `batch.start` as a level separator)."""
        return f"{self.root}/{REQUEST}/#"

    def command_name(self, topic: str) -> str | None:
        """'batch.start' for `{root}/cmd/request/batch.start` (or the form RabbitMQ delivers,
        `.../batch/start`), None for any other topic.

        >>> Topics("p/S/L").command_name("p/S/L/cmd/request/hold.add")
        'hold.add'
        >>> Topics("p/S.1/L").command_name("p/S/1/L/cmd/request/hold/add")
        'hold.add'
        >>> Topics("p/S/L").command_name("p/S/L/cmd/request/") is None
        True
        """
        head = f"{self.root}/{REQUEST}/"
        for start, mangled in ((head, False), (rabbitmq_delivered(head), True)):
            if topic.startswith(start):
                name = topic[len(start) :]
                name = name.replace("/", ".") if mangled else name
                if name and "/" not in name and "" not in name.split("."):
                    return name
        return None

    def response(self, name: str) -> str:
        return self.of(f"{RESPONSE}/{name}")


def rabbitmq_delivered(topic: str) -> str:
    """A topic as RabbitMQ's MQTT plugin (3.10, measured) delivers it to MQTT subscribers: it
    routes a message under the topic with '/' turned into '.' (the AMQP routing key, where '.'
    separates words, so a '.' in the topic becomes a level separator too) and delivers it with
    the key's '.' turned back into '/'. So every '.' of the published topic arrives as '/' (and
    a filter's '+' does not match `hold.add`).

    >>> rabbitmq_delivered("lotedge/v1/P1/L1/cmd/response/hold.add")
    'lotedge/v1/P1/L1/cmd/response/hold/add'
    """
    return topic.replace(".", "/")


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
