-- ProfileGrid PostgreSQL schema, migration 004: Orleans reminders (AdoNet reminder service).
--
-- Contract (Microsoft.Orleans.Reminders.AdoNet 10.x): query keys ReadReminderRowsKey,
-- ReadReminderRowKey, ReadRangeRows1Key, ReadRangeRows2Key, UpsertReminderRowKey,
-- DeleteReminderRowKey and DeleteReminderRowsKey. Parameters: @ServiceId, @GrainId, @ReminderName,
-- @StartTime, @Period (milliseconds; int or bigint), @GrainHash, @BeginHash, @EndHash (uint hashes
-- passed as signed integers) and @Version. Rows read back expose GrainId, ReminderName, StartTime,
-- Period (read as a 64-bit integer) and Version.

CREATE TABLE IF NOT EXISTS OrleansRemindersTable
(
    ServiceId    text        NOT NULL,
    GrainId      text        NOT NULL,
    ReminderName text        NOT NULL,
    StartTime    timestamptz NOT NULL,
    Period       bigint      NOT NULL,
    GrainHash    integer     NOT NULL,
    Version      integer     NOT NULL,

    CONSTRAINT PK_OrleansRemindersTable PRIMARY KEY (ServiceId, GrainId, ReminderName)
);

-- Each silo reads the reminders of its slice of the hash ring.
CREATE INDEX IF NOT EXISTS IX_OrleansRemindersTable_GrainHash
    ON OrleansRemindersTable (ServiceId, GrainHash);

INSERT INTO OrleansQuery (QueryKey, QueryText)
VALUES
(
    'UpsertReminderRowKey',
    $q$
    INSERT INTO OrleansRemindersTable AS r
        (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
    VALUES
        (@ServiceId, @GrainId, @ReminderName, @StartTime, CAST(@Period AS bigint), @GrainHash, 0)
    ON CONFLICT ON CONSTRAINT PK_OrleansRemindersTable DO UPDATE
       SET StartTime = EXCLUDED.StartTime,
           Period = EXCLUDED.Period,
           GrainHash = EXCLUDED.GrainHash,
           Version = r.Version + 1
    RETURNING Version;
    $q$
),
(
    'ReadReminderRowsKey',
    $q$
    SELECT GrainId, ReminderName, StartTime, Period, Version
      FROM OrleansRemindersTable
     WHERE ServiceId = @ServiceId
       AND GrainId = @GrainId;
    $q$
),
(
    'ReadReminderRowKey',
    $q$
    SELECT GrainId, ReminderName, StartTime, Period, Version
      FROM OrleansRemindersTable
     WHERE ServiceId = @ServiceId
       AND GrainId = @GrainId
       AND ReminderName = @ReminderName;
    $q$
),
(
    -- A slice of the ring that does not wrap: (BeginHash, EndHash].
    'ReadRangeRows1Key',
    $q$
    SELECT GrainId, ReminderName, StartTime, Period, Version
      FROM OrleansRemindersTable
     WHERE ServiceId = @ServiceId
       AND GrainHash > @BeginHash
       AND GrainHash <= @EndHash;
    $q$
),
(
    -- A slice of the ring that wraps past the end: (BeginHash, max] and [min, EndHash].
    'ReadRangeRows2Key',
    $q$
    SELECT GrainId, ReminderName, StartTime, Period, Version
      FROM OrleansRemindersTable
     WHERE ServiceId = @ServiceId
       AND (GrainHash > @BeginHash OR GrainHash <= @EndHash);
    $q$
),
(
    'DeleteReminderRowKey',
    $q$
    WITH deleted AS (
        DELETE FROM OrleansRemindersTable
         WHERE ServiceId = @ServiceId
           AND GrainId = @GrainId
           AND ReminderName = @ReminderName
           AND Version = @Version
        RETURNING 1
    )
    SELECT count(*) > 0 FROM deleted;
    $q$
),
(
    'DeleteReminderRowsKey',
    $q$
    DELETE FROM OrleansRemindersTable WHERE ServiceId = @ServiceId;
    $q$
)
ON CONFLICT ON CONSTRAINT PK_OrleansQuery DO UPDATE SET QueryText = EXCLUDED.QueryText;
