namespace ProfileGrid.Storage.Postgres.Membership;

/// <summary>
/// Reads the version of a cluster's membership table (migration 002): Orleans bumps it with every membership change,
/// a silo declared dead included, in the same transaction as the change. A silo whose own membership view is older
/// than this version has not yet seen every change the table holds.
/// </summary>
public sealed class PostgresMembershipVersion : IAsyncDisposable
{
    private const string ReadSql = "SELECT Version FROM OrleansMembershipVersionTable WHERE DeploymentId = @cluster_id";

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _clusterId;

    private PostgresMembershipVersion(NpgsqlDataSource dataSource, string clusterId)
    {
        _dataSource = dataSource;
        _clusterId = clusterId;
    }

    /// <summary>A reader of <paramref name="clusterId"/>'s version (Orleans' ClusterId, the table's DeploymentId).</summary>
    public static PostgresMembershipVersion Create(string connectionString, string clusterId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentException.ThrowIfNullOrWhiteSpace(clusterId);
        return new PostgresMembershipVersion(NpgsqlDataSource.Create(connectionString), clusterId);
    }

    /// <summary>The table's version now; null while the cluster has no version row (no silo has joined yet).</summary>
    public async Task<long?> ReadAsync(CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(ReadSql);
        command.Parameters.Add(new NpgsqlParameter<string>("cluster_id", NpgsqlDbType.Text) { TypedValue = _clusterId });
        return await command.ExecuteScalarAsync(cancellationToken) is int version ? version : null;
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
