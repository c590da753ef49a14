-- ProfileGrid PostgreSQL schema, migration 006: events stored but not yet applied.
--
-- An event is acknowledged once it is in profilegrid_events; its profile is updated afterwards. A
-- silo can die in between. So the append that stores an event also stores a marker here, in the
-- same statement (one transaction), and the marker is deleted only after the event's profile was
-- written. Whatever is left here after a crash is applied again: by a re-send of the same event id
-- (the append answers "stored, not yet applied" instead of "duplicate") or by the recovery pass,
-- which replays markers older than a grace period. Applying is idempotent (a profile ignores an
-- event id already on its timeline), so a marker that outlives its application costs a no-op.
--
-- The table stays small: it holds the events in flight, not the history.

CREATE TABLE IF NOT EXISTS profilegrid_unapplied_events
(
    event_id    text        NOT NULL,
    received_at timestamptz NOT NULL,

    CONSTRAINT pk_profilegrid_unapplied_events PRIMARY KEY (event_id),
    CONSTRAINT fk_profilegrid_unapplied_events_event FOREIGN KEY (event_id)
        REFERENCES profilegrid_events (event_id) ON DELETE CASCADE
);

-- The recovery pass reads the oldest markers first.
CREATE INDEX IF NOT EXISTS ix_profilegrid_unapplied_events_received_at
    ON profilegrid_unapplied_events (received_at);
