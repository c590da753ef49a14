-- ProfileGrid PostgreSQL schema, migration 008: trait observations.
--
-- A setTraits call is a fact like an event: "through this identity, at observed_at, these attributes
-- had these values" (a null value says the attribute was removed). Each is stored here before it is
-- acknowledged, so a profile's traits can be re-derived like the rest of it: for each attribute the
-- newest observation through any of the profile's identities wins.
--
-- profilegrid_trait_observations
--   sequence     arrival order (for reading; the traits themselves do not depend on it)
--   namespace, value  the identity the traits were set through (normalised)
--   observed_at  when the values held, per the caller; received_at when ProfileGrid stored them
--   traits       the attributes as one JSON object

CREATE TABLE IF NOT EXISTS profilegrid_trait_observations
(
    sequence    bigint      GENERATED ALWAYS AS IDENTITY,
    namespace   text        NOT NULL,
    value       text        NOT NULL,
    observed_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL,
    traits      jsonb       NOT NULL,

    CONSTRAINT pk_profilegrid_trait_observations PRIMARY KEY (sequence),
    CONSTRAINT ck_profilegrid_trait_observations_object CHECK (jsonb_typeof(traits) = 'object')
);

CREATE INDEX IF NOT EXISTS ix_profilegrid_trait_observations_identity
    ON profilegrid_trait_observations (namespace, value, sequence);
