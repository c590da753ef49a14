namespace ProfileGrid.Storage.Postgres.ProfileSets;

/// <summary>Settings of <see cref="PostgresProfileSets"/>.</summary>
public sealed class PostgresProfileSetsOptions
{
    /// <summary>
    /// A flush takes queued requests until it holds at least this many member changes (it always
    /// takes whole requests). Default 10,000.
    /// </summary>
    public int MaxChangesPerFlush { get; init; } = 10_000;

    /// <summary>
    /// Requests that may wait for a flush; further callers wait for room (back pressure).
    /// Default 10,000.
    /// </summary>
    public int MaxPendingRequests { get; init; } = 10_000;
}

/// <summary>Counters of one <see cref="PostgresProfileSets"/> instance since it was created.</summary>
/// <param name="Flushes">Transactions (one round trip each) that wrote queued changes.</param>
/// <param name="FailedFlushes">Flushes that failed; their callers received the exception.</param>
/// <param name="Requests">Apply and clear calls completed by successful flushes.</param>
public sealed record ProfileSetStatistics(long Flushes, long FailedFlushes, long Requests);
