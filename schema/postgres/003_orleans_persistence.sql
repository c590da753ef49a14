-- ProfileGrid PostgreSQL schema, migration 003: Orleans grain persistence (AdoNet grain storage).
--
-- Contract (Microsoft.Orleans.Persistence.AdoNet 10.x): query keys ReadFromStorageKey,
-- WriteToStorageKey, ClearStorageKey and DeleteStorageKey (the last is loaded only when a storage
-- provider sets DeleteStateOnClear). Parameters: @GrainIdHash, @GrainIdN0, @GrainIdN1,
-- @GrainTypeHash, @GrainTypeString, @GrainIdExtensionString (null for keys without a string part),
-- @ServiceId, @GrainStateVersion (the ETag; null when the grain has never seen a stored row) and
-- @PayloadBinary. Reads return PayloadBinary and Version; writes return NewGrainStateVersion; clear
-- and delete return the new version in their first column.
--
-- Optimistic concurrency: Version is the ETag. A write, clear or delete only succeeds when the
-- caller presents the stored version; otherwise the query returns no row and Orleans raises
-- InconsistentStateException. A first write (null version) only succeeds if no row exists yet.

CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash            integer     NOT NULL,
    GrainIdN0              bigint      NOT NULL,
    GrainIdN1              bigint      NOT NULL,
    GrainTypeHash          integer     NOT NULL,
    GrainTypeString        text        NOT NULL,
    GrainIdExtensionString text        NULL,
    ServiceId              text        NOT NULL,
    PayloadBinary          bytea       NULL,
    ModifiedOn             timestamptz NOT NULL DEFAULT now(),
    Version                integer     NOT NULL
);

-- One row per grain and state. The extension string is nullable, so the key spells out both its
-- value and whether it is null (portable to PostgreSQL versions without NULLS NOT DISTINCT). The
-- two hashes lead so that lookups stay narrow.
CREATE UNIQUE INDEX IF NOT EXISTS UX_OrleansStorage_Grain
    ON OrleansStorage (GrainIdHash, GrainTypeHash, ServiceId, GrainIdN0, GrainIdN1, GrainTypeString,
                       (coalesce(GrainIdExtensionString, '')), (GrainIdExtensionString IS NULL));

INSERT INTO OrleansQuery (QueryKey, QueryText)
VALUES
(
    'ReadFromStorageKey',
    $q$
    SELECT PayloadBinary, Version
      FROM OrleansStorage
     WHERE GrainIdHash = @GrainIdHash
       AND GrainTypeHash = @GrainTypeHash
       AND ServiceId = @ServiceId
       AND GrainIdN0 = @GrainIdN0
       AND GrainIdN1 = @GrainIdN1
       AND GrainTypeString = @GrainTypeString
       AND GrainIdExtensionString IS NOT DISTINCT FROM CAST(@GrainIdExtensionString AS text);
    $q$
),
(
    -- Exactly one branch can produce a row: the update when a version was presented and matches,
    -- the insert when no version was presented and no row exists yet.
    'WriteToStorageKey',
    $q$
    WITH updated AS (
        UPDATE OrleansStorage
           SET PayloadBinary = @PayloadBinary,
               ModifiedOn = now(),
               Version = Version + 1
         WHERE GrainIdHash = @GrainIdHash
           AND GrainTypeHash = @GrainTypeHash
           AND ServiceId = @ServiceId
           AND GrainIdN0 = @GrainIdN0
           AND GrainIdN1 = @GrainIdN1
           AND GrainTypeString = @GrainTypeString
           AND GrainIdExtensionString IS NOT DISTINCT FROM CAST(@GrainIdExtensionString AS text)
           AND Version = CAST(@GrainStateVersion AS integer)
        RETURNING Version
    ),
    inserted AS (
        INSERT INTO OrleansStorage
            (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString,
             GrainIdExtensionString, ServiceId, PayloadBinary, ModifiedOn, Version)
        SELECT @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
               CAST(@GrainIdExtensionString AS text), @ServiceId, @PayloadBinary, now(), 1
         WHERE CAST(@GrainStateVersion AS integer) IS NULL
        ON CONFLICT (GrainIdHash, GrainTypeHash, ServiceId, GrainIdN0, GrainIdN1, GrainTypeString,
                     (coalesce(GrainIdExtensionString, '')), (GrainIdExtensionString IS NULL))
        DO NOTHING
        RETURNING Version
    )
    SELECT Version AS NewGrainStateVersion FROM updated
    UNION ALL
    SELECT Version AS NewGrainStateVersion FROM inserted;
    $q$
),
(
    -- Keeps the row (and so the version sequence) but drops the payload.
    'ClearStorageKey',
    $q$
    UPDATE OrleansStorage
       SET PayloadBinary = NULL,
           ModifiedOn = now(),
           Version = Version + 1
     WHERE GrainIdHash = @GrainIdHash
       AND GrainTypeHash = @GrainTypeHash
       AND ServiceId = @ServiceId
       AND GrainIdN0 = @GrainIdN0
       AND GrainIdN1 = @GrainIdN1
       AND GrainTypeString = @GrainTypeString
       AND GrainIdExtensionString IS NOT DISTINCT FROM CAST(@GrainIdExtensionString AS text)
       AND Version = CAST(@GrainStateVersion AS integer)
    RETURNING Version AS NewGrainStateVersion;
    $q$
),
(
    -- Removes the row; the returned value only signals success (Orleans resets the ETag to null).
    'DeleteStorageKey',
    $q$
    DELETE FROM OrleansStorage
     WHERE GrainIdHash = @GrainIdHash
       AND GrainTypeHash = @GrainTypeHash
       AND ServiceId = @ServiceId
       AND GrainIdN0 = @GrainIdN0
       AND GrainIdN1 = @GrainIdN1
       AND GrainTypeString = @GrainTypeString
       AND GrainIdExtensionString IS NOT DISTINCT FROM CAST(@GrainIdExtensionString AS text)
       AND Version = CAST(@GrainStateVersion AS integer)
    RETURNING Version + 1 AS NewGrainStateVersion;
    $q$
)
ON CONFLICT ON CONSTRAINT PK_OrleansQuery DO UPDATE SET QueryText = EXCLUDED.QueryText;
