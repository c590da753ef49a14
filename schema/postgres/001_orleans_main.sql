-- ProfileGrid PostgreSQL schema, migration 001: the Orleans query catalogue.
--
-- Orleans' ADO.NET providers (clustering, grain persistence, reminders) do not carry SQL of their
-- own: at start-up each provider runs `SELECT QueryKey, QueryText FROM OrleansQuery` and then
-- executes the text stored under the keys it needs, binding its parameters by name (@DeploymentId,
-- @GrainIdHash, ...). The table and column names below are therefore part of the Orleans contract
-- and are written unquoted (PostgreSQL folds them to lower case, as Orleans' own query does).
--
-- Every script in this folder is re-runnable: PostgresSchemaMigrator applies each one once and
-- records it in profilegrid_schema_version, but an operator may also apply them by hand with psql.

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64) NOT NULL,
    QueryText text        NOT NULL,

    CONSTRAINT PK_OrleansQuery PRIMARY KEY (QueryKey)
);
