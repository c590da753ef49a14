-- ProfileGrid PostgreSQL schema, migration 009: an append that maintains only what it needs.
--
-- Every acknowledged event waits for the one statement that appends its group commit (005, 006), so
-- the work of that statement per event bounds durable ingestion. Measured on 1,000 events of two
-- identities each, two things in it did nothing for a reader and cost a third of its time:
--
--   * the foreign keys from profilegrid_event_identities.sequence and
--     profilegrid_unapplied_events.event_id to profilegrid_events: a check per inserted row (three
--     per event), for rows the same statement derives from the events it has just inserted;
--   * ix_profilegrid_event_identities_sequence, an index kept only to serve the foreign key's
--     ON DELETE CASCADE.
--
-- Deleting events (a person asking to be forgotten) still removes their identity index rows and
-- markers with them: a statement-level trigger does it from the deleted rows' own identities, through
-- the primary keys, in the deleting statement's transaction. Appends pay nothing for it.

ALTER TABLE profilegrid_event_identities
    DROP CONSTRAINT IF EXISTS fk_profilegrid_event_identities_event;

ALTER TABLE profilegrid_unapplied_events
    DROP CONSTRAINT IF EXISTS fk_profilegrid_unapplied_events_event;

DROP INDEX IF EXISTS ix_profilegrid_event_identities_sequence;

CREATE OR REPLACE FUNCTION profilegrid_events_forget_derived() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    DELETE FROM profilegrid_event_identities i
     USING deleted_events d
     CROSS JOIN LATERAL jsonb_to_recordset(d.identities) AS carried(namespace text, value text)
     WHERE i.namespace = carried.namespace
       AND i.value = carried.value
       AND i.sequence = d.sequence;

    DELETE FROM profilegrid_unapplied_events u
     USING deleted_events d
     WHERE u.event_id = d.event_id;

    RETURN NULL;
END;
$$;

DROP TRIGGER IF EXISTS tr_profilegrid_events_forget_derived ON profilegrid_events;

CREATE TRIGGER tr_profilegrid_events_forget_derived
    AFTER DELETE ON profilegrid_events
    REFERENCING OLD TABLE AS deleted_events
    FOR EACH STATEMENT
    EXECUTE FUNCTION profilegrid_events_forget_derived();
