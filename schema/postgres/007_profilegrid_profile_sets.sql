-- ProfileGrid PostgreSQL schema, migration 007: sets of profile ids, stored a row per member.
--
-- The segment side keeps two kinds of large sets of profile ids: the directory of every existing
-- profile (a few shards, walked by batch segment evaluation) and each segment's audience (per
-- shard, for an exact size and paging). Kept as grain state they were one blob per set, rewritten
-- whole for every member added or removed: O(set size) bytes per new profile. Here a set is its
-- rows, and a change writes only the members that changed (PostgresProfileSets, which also
-- group-commits the changes of many sets into one statement).
--
-- service_id separates the Orleans services (ClusterOptions.ServiceId) sharing one database, as
-- in OrleansStorage. set_key names the set within the service, e.g. 'directory/3' or
-- 'audience/<segment id>/0'. Loading a set reads the primary key's prefix (service_id, set_key).
--
-- Like grain state, these sets are derived (from the profiles, themselves derived from the event
-- log), so their writes may commit without waiting for the disk.

CREATE TABLE IF NOT EXISTS profilegrid_profile_sets
(
    service_id text NOT NULL,
    set_key    text NOT NULL,
    profile_id text NOT NULL,

    CONSTRAINT pk_profilegrid_profile_sets PRIMARY KEY (service_id, set_key, profile_id)
);
