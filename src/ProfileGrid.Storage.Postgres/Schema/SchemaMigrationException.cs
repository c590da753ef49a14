namespace ProfileGrid.Storage.Postgres.Schema;

/// <summary>
/// The database's recorded schema history does not match the scripts this build carries, or a
/// script failed. Nothing of the failing script is kept: each script runs in its own transaction.
/// </summary>
public sealed class SchemaMigrationException : Exception
{
    public SchemaMigrationException(string message)
        : base(message)
    {
    }

    public SchemaMigrationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
