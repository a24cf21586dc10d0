"""The wire contract between the agents and the trace store (docs/events.md).

`topics` (topic names and layout), `identifiers` (EPC URNs, GS1 Digital Links and lotedge's
URNs, built and parsed here only), `escaping` (their percent-escaping), `gs1` (GTIN and GLN
check digits and company prefixes, by biip) and `keys` (the `@context` and extension keys).

Pure: no I/O. The agent builds what it sends with it, the store parses what it receives with it,
and the tests and benchmarks use the same functions.
"""
