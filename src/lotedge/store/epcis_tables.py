"""Migration 3 of the trace database: what an EPCIS 2.0 repository needs besides the
genealogy of lots (see `db.MIGRATIONS`).

* `events`: the CBV bizStep and the action (query filters), the error declaration that
  retracted the event (`declared_at`, `declaration`: the `errorDeclaration` object), and
  indexes for the query interface's order (event time) and export (record time).
* `transformations.kind`: a genealogy step is a `transformation`, `aggregation`,
  `association`, `shipping`, `receiving` or `transaction` (`genealogy`).
* `step_refs`: sources, destinations and business transactions of a step.
* `event_objects`: every identifier of every event, by role, for the EPCIS queries.
* `retracted_flows`: the flows of retracted events, moved out of `lot_flows` (traces read
  `lot_flows` only, and list these as retracted).
* `conflicts`: events that reused a stored eventID with other content.
* `capture_jobs`: the REST binding's capture jobs.
* `forward_outbox`: stored events not yet accepted by the `[store.forward]` peer.
"""

EPCIS_REPOSITORY = """
ALTER TABLE events ADD COLUMN biz_step TEXT;
ALTER TABLE events ADD COLUMN action TEXT;
ALTER TABLE events ADD COLUMN declared_at TEXT;
ALTER TABLE events ADD COLUMN declaration TEXT;
CREATE INDEX events_by_time ON events (event_time, id);
CREATE INDEX events_by_record_time ON events (received_at, id);
CREATE INDEX events_by_type_time ON events (event_type, event_time, id);
CREATE INDEX events_by_step_time ON events (biz_step, event_time, id);
CREATE INDEX lots_by_gtin ON lots (gtin);
ALTER TABLE transformations ADD COLUMN kind TEXT NOT NULL DEFAULT 'transformation';
CREATE TABLE step_refs (
    transformation BIGINT NOT NULL,
    role TEXT NOT NULL,
    type TEXT NOT NULL,
    uri TEXT NOT NULL,
    PRIMARY KEY (transformation, role, type, uri)
);
CREATE TABLE event_objects (
    event BIGINT NOT NULL,
    role TEXT NOT NULL,
    node BIGINT NOT NULL
);
CREATE INDEX event_objects_by_node ON event_objects (node, role, event);
CREATE TABLE retracted_flows (
    event BIGINT NOT NULL,
    direction TEXT NOT NULL,
    position INTEGER NOT NULL,
    transformation BIGINT NOT NULL,
    lot BIGINT NOT NULL,
    quantity {real},
    uom TEXT,
    PRIMARY KEY (event, direction, position)
);
CREATE INDEX retracted_flows_by_lot ON retracted_flows (lot);
CREATE TABLE conflicts (
    id {pk},
    event_id TEXT NOT NULL,
    received_at TEXT NOT NULL,
    source TEXT,
    stored_hash TEXT NOT NULL,
    received_hash TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX conflicts_by_event ON conflicts (event_id);
CREATE TABLE capture_jobs (
    id {pk},
    capture_id TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    finished_at TEXT,
    running INTEGER NOT NULL,
    success INTEGER NOT NULL,
    behaviour TEXT NOT NULL,
    errors TEXT NOT NULL,
    counts TEXT NOT NULL
);
CREATE TABLE forward_outbox (
    id {pk},
    event BIGINT NOT NULL
)
"""
