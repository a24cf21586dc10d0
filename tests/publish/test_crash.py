"""kill -9 of the agent between commit and PUBACK: nothing is lost, the store sees each once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from lotedge.publish.publisher import Publisher

from .helpers import depth, event_id, plain_config, wait_until
from .samples import SITE

CHILD = Path(__file__).with_name("child.py")


def test_sigkill_between_commit_and_puback_then_restart(own_broker, state_db, subscribe):
    config = plain_config(own_broker.port)
    restarted = Publisher(config, SITE, state_db)
    sub = subscribe(own_broker.port, f"{restarted.topics.root}/#")
    child = subprocess.Popen(
        [sys.executable, str(CHILD), str(state_db), str(own_broker.port), config.topic_prefix],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdin is not None
        assert child.stdout.readline().strip() == "connected"
        child.stdin.write("write 0 20\n")
        child.stdin.flush()
        assert child.stdout.readline().strip() == "committed"
        wait_until(lambda: depth(state_db) == 0, "the first 20 events to be acknowledged")

        own_broker.pause()  # the broker stops acknowledging: commits go on, PUBACKs do not come
        child.stdin.write("write 20 60\ninflight\n")
        child.stdin.flush()
        assert child.stdout.readline().strip() == "committed"
        line = child.stdout.readline().strip()
        assert line.startswith("inflight=") and int(line.split("=")[1]) > 0
        child.kill()
        assert child.wait(10) == -9
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        for pipe in (child.stdin, child.stdout):
            if pipe is not None:
                pipe.close()
    assert depth(state_db) == 40  # committed, sent or not, never acknowledged: all still queued
    own_broker.resume()
    wait_until(lambda: any(s["state"] == "offline" for s in sub.on("/status")), "the last will")

    restarted.start()
    try:
        wait_until(lambda: depth(state_db) == 0, "the outbox to drain after restart")
        wait_until(lambda: len(sub.unique_events()) == 60, "all 60 events")
    finally:
        restarted.stop()
    assert sub.unique_events() == [event_id(n) for n in range(60)]
    assert len(sub.events()) >= 60  # at least once; the dedupe by eventID makes it exactly once
    states = [s["state"] for s in sub.on("/status")]
    after_will = states[states.index("offline") + 1 :]
    assert (after_will[0], after_will[-1]) == ("online", "stopped")
