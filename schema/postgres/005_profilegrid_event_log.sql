-- ProfileGrid PostgreSQL schema, migration 005: the event log.
--
-- Events are facts; profiles are derived. Every accepted event is stored here, as it came, before
-- it is acknowledged; everything else can be rebuilt by replaying this table in sequence order.
--
-- profilegrid_events
--   sequence     the global replay order (assigned at insert; ascending within one writer's commits)
--   event_id     the producer's id; idempotency key for ever (a re-sent event is a duplicate)
--   received_at  when ProfileGrid accepted it; event_time is when it happened, per the producer
--   identities   the identities the event carried: [{"namespace": "...", "value": "..."}, ...]
--   attributes   the event's attributes object; payload the full event as accepted (both jsonb)
--
-- profilegrid_event_identities indexes events by identity, in sequence order, so that one
-- person's (or one device's) events are read without scanning the log. Deleting an event (for
-- example when a person asks to be forgotten) removes its index rows with it.

CREATE TABLE IF NOT EXISTS profilegrid_events
(
    sequence    bigint           GENERATED ALWAYS AS IDENTITY,
    event_id    text             NOT NULL,
    received_at timestamptz      NOT NULL,
    event_time  timestamptz      NOT NULL,
    type        text             NOT NULL,
    channel     text             NULL,
    campaign    text             NULL,
    revenue     double precision NULL,
    identities  jsonb            NOT NULL DEFAULT '[]'::jsonb,
    attributes  jsonb            NULL,
    payload     jsonb            NULL,

    CONSTRAINT pk_profilegrid_events PRIMARY KEY (event_id),
    CONSTRAINT uq_profilegrid_events_sequence UNIQUE (sequence)
);

CREATE TABLE IF NOT EXISTS profilegrid_event_identities
(
    namespace text   NOT NULL,
    value     text   NOT NULL,
    sequence  bigint NOT NULL,

    CONSTRAINT pk_profilegrid_event_identities PRIMARY KEY (namespace, value, sequence),
    CONSTRAINT fk_profilegrid_event_identities_event FOREIGN KEY (sequence)
        REFERENCES profilegrid_events (sequence) ON DELETE CASCADE
);

-- Serves the cascade when events are deleted.
CREATE INDEX IF NOT EXISTS ix_profilegrid_event_identities_sequence
    ON profilegrid_event_identities (sequence);
