-- ProfileGrid PostgreSQL schema, migration 002: Orleans cluster membership (AdoNet clustering).
--
-- Contract (Microsoft.Orleans.Clustering.AdoNet 10.x): query keys MembershipReadAllKey,
-- MembershipReadRowKey, InsertMembershipVersionKey, InsertMembershipKey, UpdateMembershipKey,
-- UpdateIAmAlivetimeKey, DeleteMembershipTableEntriesKey, GatewaysQueryKey,
-- CleanupDefunctSiloEntriesKey and (10.x, optional) CleanupDefunctSiloEntryKey.
-- Rows read back must expose Address, Port, Generation, SiloName, HostName, Status, ProxyPort,
-- SuspectTimes, StartTime, IAmAliveTime and the table Version. Status values are Orleans'
-- SiloStatus: 3 = Active, 6 = Dead.
--
-- Concurrency model: one version row per cluster (DeploymentId). Every membership change
-- (insert or update of a silo row) must present the version it read and bumps it by one; the
-- change and the bump happen in one transaction or not at all. Heartbeats (IAmAliveTime) do not
-- touch the version.

CREATE TABLE IF NOT EXISTS OrleansMembershipVersionTable
(
    DeploymentId text        NOT NULL,
    Timestamp    timestamptz NOT NULL DEFAULT now(),
    Version      integer     NOT NULL DEFAULT 0,

    CONSTRAINT PK_OrleansMembershipVersionTable PRIMARY KEY (DeploymentId)
);

CREATE TABLE IF NOT EXISTS OrleansMembershipTable
(
    DeploymentId text        NOT NULL,
    Address      text        NOT NULL,
    Port         integer     NOT NULL,
    Generation   integer     NOT NULL,
    SiloName     text        NOT NULL,
    HostName     text        NOT NULL,
    Status       integer     NOT NULL,
    ProxyPort    integer     NOT NULL DEFAULT 0,
    SuspectTimes text        NULL,
    StartTime    timestamptz NOT NULL,
    IAmAliveTime timestamptz NOT NULL,

    CONSTRAINT PK_OrleansMembershipTable PRIMARY KEY (DeploymentId, Address, Port, Generation),
    CONSTRAINT FK_OrleansMembershipTable_Version FOREIGN KEY (DeploymentId)
        REFERENCES OrleansMembershipVersionTable (DeploymentId)
);

-- Inserts a silo row if the caller's view of the table version is current, and bumps the version.
-- Returns false, changing nothing, when the version moved on or the row already exists.
CREATE OR REPLACE FUNCTION orleans_membership_insert(
    p_deployment_id  text,
    p_address        text,
    p_port           integer,
    p_generation     integer,
    p_silo_name      text,
    p_host_name      text,
    p_status         integer,
    p_proxy_port     integer,
    p_start_time     timestamptz,
    p_i_am_alive     timestamptz,
    p_version        integer)
RETURNS boolean
LANGUAGE plpgsql
AS $body$
BEGIN
    -- Taking the version row's lock serialises membership writers of one cluster. A writer that
    -- waited re-reads the row after the winner commits and then no longer sees its version.
    PERFORM 1
       FROM OrleansMembershipVersionTable
      WHERE DeploymentId = p_deployment_id
        AND Version = p_version
        FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    INSERT INTO OrleansMembershipTable
        (DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort,
         StartTime, IAmAliveTime)
    VALUES
        (p_deployment_id, p_address, p_port, p_generation, p_silo_name, p_host_name, p_status,
         coalesce(p_proxy_port, 0), p_start_time, p_i_am_alive)
    ON CONFLICT ON CONSTRAINT PK_OrleansMembershipTable DO NOTHING;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    UPDATE OrleansMembershipVersionTable
       SET Version = Version + 1,
           Timestamp = now()
     WHERE DeploymentId = p_deployment_id;
    RETURN true;
END
$body$;

-- Updates a silo row's status, suspicions and heartbeat if the caller's view of the table version
-- is current, and bumps the version. Returns false, changing nothing, otherwise.
CREATE OR REPLACE FUNCTION orleans_membership_update(
    p_deployment_id  text,
    p_address        text,
    p_port           integer,
    p_generation     integer,
    p_status         integer,
    p_suspect_times  text,
    p_i_am_alive     timestamptz,
    p_version        integer)
RETURNS boolean
LANGUAGE plpgsql
AS $body$
BEGIN
    PERFORM 1
       FROM OrleansMembershipVersionTable
      WHERE DeploymentId = p_deployment_id
        AND Version = p_version
        FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    UPDATE OrleansMembershipTable
       SET Status = p_status,
           SuspectTimes = p_suspect_times,
           IAmAliveTime = p_i_am_alive
     WHERE DeploymentId = p_deployment_id
       AND Address = p_address
       AND Port = p_port
       AND Generation = p_generation;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    UPDATE OrleansMembershipVersionTable
       SET Version = Version + 1,
           Timestamp = now()
     WHERE DeploymentId = p_deployment_id;
    RETURN true;
END
$body$;

INSERT INTO OrleansQuery (QueryKey, QueryText)
VALUES
(
    'InsertMembershipVersionKey',
    $q$
    WITH created AS (
        INSERT INTO OrleansMembershipVersionTable (DeploymentId)
        VALUES (@DeploymentId)
        ON CONFLICT ON CONSTRAINT PK_OrleansMembershipVersionTable DO NOTHING
        RETURNING 1
    )
    SELECT count(*) > 0 FROM created;
    $q$
),
(
    'InsertMembershipKey',
    $q$
    SELECT orleans_membership_insert(
        @DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort,
        @StartTime, @IAmAliveTime, @Version);
    $q$
),
(
    'UpdateMembershipKey',
    $q$
    SELECT orleans_membership_update(
        @DeploymentId, @Address, @Port, @Generation, @Status, @SuspectTimes, @IAmAliveTime,
        @Version);
    $q$
),
(
    'UpdateIAmAlivetimeKey',
    $q$
    UPDATE OrleansMembershipTable
       SET IAmAliveTime = @IAmAliveTime
     WHERE DeploymentId = @DeploymentId
       AND Address = @Address
       AND Port = @Port
       AND Generation = @Generation;
    $q$
),
(
    -- The version row is always returned (outer join), so an empty cluster still reports its version.
    'MembershipReadRowKey',
    $q$
    SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status,
           m.ProxyPort, m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
      FROM OrleansMembershipVersionTable v
      LEFT JOIN OrleansMembershipTable m
        ON m.DeploymentId = v.DeploymentId
       AND m.Address = @Address
       AND m.Port = @Port
       AND m.Generation = @Generation
     WHERE v.DeploymentId = @DeploymentId;
    $q$
),
(
    'MembershipReadAllKey',
    $q$
    SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status,
           m.ProxyPort, m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
      FROM OrleansMembershipVersionTable v
      LEFT JOIN OrleansMembershipTable m
        ON m.DeploymentId = v.DeploymentId
     WHERE v.DeploymentId = @DeploymentId;
    $q$
),
(
    'GatewaysQueryKey',
    $q$
    SELECT Address, ProxyPort, Generation
      FROM OrleansMembershipTable
     WHERE DeploymentId = @DeploymentId
       AND Status = @Status
       AND ProxyPort > 0;
    $q$
),
(
    'DeleteMembershipTableEntriesKey',
    $q$
    DELETE FROM OrleansMembershipTable WHERE DeploymentId = @DeploymentId;
    DELETE FROM OrleansMembershipVersionTable WHERE DeploymentId = @DeploymentId;
    $q$
),
(
    -- Removes Dead silos whose last start and heartbeat both precede the cut-off.
    'CleanupDefunctSiloEntriesKey',
    $q$
    DELETE FROM OrleansMembershipTable
     WHERE DeploymentId = @DeploymentId
       AND Status = 6
       AND IAmAliveTime < @IAmAliveTime
       AND StartTime < @IAmAliveTime;
    $q$
),
(
    -- Orleans 10.x evaluates the cut-off itself and deletes one Dead row only if it is unchanged
    -- since it was read (same start, heartbeat and suspicions).
    'CleanupDefunctSiloEntryKey',
    $q$
    DELETE FROM OrleansMembershipTable
     WHERE DeploymentId = @DeploymentId
       AND Address = @Address
       AND Port = @Port
       AND Generation = @Generation
       AND Status = 6
       AND StartTime = @StartTime
       AND IAmAliveTime = @IAmAliveTime
       AND coalesce(SuspectTimes, '') = coalesce(CAST(@SuspectTimes AS text), '');
    $q$
)
ON CONFLICT ON CONSTRAINT PK_OrleansQuery DO UPDATE SET QueryText = EXCLUDED.QueryText;
