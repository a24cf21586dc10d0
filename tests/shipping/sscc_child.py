"""SSCCs allocated in a child process, so that a test can SIGKILL it mid-stream.

usage: sscc_child.py CONFIG CLOCK_OFFSET_DAYS; allocates SSCCs in transactions of 500 through
the agent's own state functions (the clock shifted by the offset, as after a clock step) and
prints each transaction's SSCCs, one line per committed transaction, until it is killed.
"""

from __future__ import annotations

import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from lotedge.config.loader import load_config
from lotedge.state.db import open_state, transaction
from lotedge.state.shipping import allocate_sscc

PER_TRANSACTION = 500


def main() -> None:
    config = load_config(sys.argv[1])
    assert config.shipping is not None
    offset = timedelta(days=int(sys.argv[2]))
    conn = open_state(config.state_dir)
    while True:
        now = datetime.now(UTC) + offset
        with transaction(conn):
            batch = [
                allocate_sscc(conn, config.shipping.sscc, pallet_id=str(uuid.uuid4()), now=now)
                for _ in range(PER_TRANSACTION)
            ]
        print(" ".join(batch), flush=True)  # only what is on disk is told


if __name__ == "__main__":
    main()
