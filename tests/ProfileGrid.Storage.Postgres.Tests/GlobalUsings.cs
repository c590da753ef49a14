global using Npgsql;
global using ProfileGrid.Storage.Postgres;
global using ProfileGrid.Storage.Postgres.EventLog;
global using ProfileGrid.Storage.Postgres.Schema;
global using ProfileGrid.Testing.Postgres;
global using Xunit;
