"""Publishing: the outbox drained to MQTT (EPCIS events, ops, alerts, status) and MQTT commands."""

from lotedge.publish.publisher import Publisher, PublisherStatus

__all__ = ["Publisher", "PublisherStatus"]
