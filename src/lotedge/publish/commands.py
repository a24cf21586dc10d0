"""MQTT commands: `cmd/request/<op>` JSON -> engine request -> `cmd/response/<op>` JSON.

The operations and their arguments are the control socket's (`lotedge.agent.codec.COMMANDS`,
the one command table), less the local-only `scan`. zigbee2mqtt conventions: the answer is
`{status: ok|error, data, error?, code?, transaction?}`, echoing the caller's `transaction`; a
bad request or a failing handler still gets an answer. Broker-free: the publisher feeds it
topics' payloads and sends back what it returns.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from lotedge.agent.codec import REMOTE_COMMANDS, BadRequest, request_from_json
from lotedge.agent.requests import Once, RemoteRefused, Reply, Request
from lotedge.core.limits import load_request
from lotedge.core.reasons import Reason
from lotedge.publish.authorization import Refused, RemotePolicy

log = logging.getLogger(__name__)


def parse(name: str, payload: bytes, source: str = "remote") -> tuple[Request, Any]:
    """The engine request for command `name` from `source` (`remote`, or `store` when signed by
    it), and the caller's transaction id (or None)."""
    try:
        body = load_request(payload or b"{}")
    except ValueError as exc:  # not JSON (json's message says where), too deep, too large
        message = f"request is not JSON (or too deep or large): {exc}"
        raise BadRequest(message, Reason.BAD_JSON) from None
    if not isinstance(body, dict):
        raise BadRequest("request must be a JSON object", Reason.BAD_JSON)
    transaction = body.pop("transaction", None)
    request = request_from_json(name, body, remote=True, source=source)
    if transaction is not None:  # a retry with the same transaction is answered, not re-run
        request = Once(request, f"mqtt:{name}:{json.dumps(transaction)}")
    return request, transaction


def _transaction_of(payload: bytes) -> Any:
    try:
        body = load_request(payload)
    except ValueError:
        return None
    return body.get("transaction") if isinstance(body, dict) else None


def handle(
    name: str,
    payload: bytes,
    call: Callable[[Request], Reply],
    *,
    topic: str = "",
    signature: str | None = None,
    policy: RemotePolicy | None = None,
) -> dict[str, Any]:
    """Answer one request; never raises. With a `policy`, the line's `[remote]` rules decide
    whether it is taken and from whom (a refusal is answered and alerted)."""
    source = "remote"
    if policy is not None and name in REMOTE_COMMANDS:
        decided = policy.source(name, topic, payload, signature)
        if isinstance(decided, Refused):
            return _refuse(name, payload, call, policy, decided)
        source = decided
    try:
        request, transaction = parse(name, payload, source)
    except BadRequest as exc:
        reply = Reply(ok=False, error=str(exc), code=exc.code.value)
        transaction = _transaction_of(payload)
    else:
        try:
            reply = call(request)
        except Exception:
            log.exception("command %s failed", name)
            error = f"{name} failed; the agent's log says why"
            reply = Reply(ok=False, error=error, code=Reason.INTERNAL.value)
    answer = reply.as_dict()
    if transaction is not None:
        answer["transaction"] = transaction
    return answer


def _refuse(
    name: str,
    payload: bytes,
    call: Callable[[Request], Reply],
    policy: RemotePolicy,
    refused: Refused,
) -> dict[str, Any]:
    log.warning("refused MQTT command %s: %s", name, refused.why)
    if policy.should_alert(name, refused):
        try:
            call(RemoteRefused(name, refused.why, refused.code.value))
        except Exception:
            log.exception("could not raise the alert for a refused command %s", name)
    answer = Reply(ok=False, error=refused.why, code=refused.code.value).as_dict()
    transaction = _transaction_of(payload)
    if transaction is not None:
        answer["transaction"] = transaction
    return answer
