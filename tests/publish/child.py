"""A publisher in a child process, so that a test can SIGKILL it. Driven line by line on stdin.

usage: child.py STATE_DB PORT TOPIC_PREFIX; prints 'connected', then for each 'write A B' it
commits events A..B-1 and prints 'committed', and for 'inflight' it waits until some are in
flight (sent, not acknowledged) and prints 'inflight=N'.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from lotedge.publish.publisher import Publisher
from tests.publish.helpers import plain_config, wait_until, write_events
from tests.publish.samples import SITE


def main() -> None:
    db_path, port, prefix = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    publisher = Publisher(plain_config(port, topic_prefix=prefix), SITE, db_path)
    publisher.start()
    wait_until(lambda: publisher.status().connected, "the child publisher to connect")
    print("connected", flush=True)
    for line in sys.stdin:
        command, *args = line.split()
        if command == "write":
            write_events(db_path, range(int(args[0]), int(args[1])))
            publisher.wake()
            print("committed", flush=True)
        elif command == "inflight":
            wait_until(lambda: publisher.status().inflight > 0, "events in flight")
            print(f"inflight={publisher.status().inflight}", flush=True)


if __name__ == "__main__":
    main()
