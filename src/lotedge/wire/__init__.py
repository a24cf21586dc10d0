"""The wire contract between the agents and the trace store: topics, identifiers, event keys.

Pure: no I/O. The agent builds what it sends with it, the store parses what it receives with it,
and the tests and benchmarks use the same functions.
"""
