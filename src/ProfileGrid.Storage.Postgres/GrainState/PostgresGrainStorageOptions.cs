namespace ProfileGrid.Storage.Postgres.GrainState;

/// <summary>Settings of <see cref="PostgresGrainStorage"/>.</summary>
public sealed class PostgresGrainStorageOptions
{
    /// <summary>
    /// Grain states one read or one write statement carries at most. Default 512. A write counts one more per 4 KiB of its
    /// payload, so a statement of large states stays a few megabytes; a single larger write still goes, alone.
    /// </summary>
    public int MaxRowsPerStatement { get; init; } = 512;

    /// <summary>
    /// Read statements, and write statements, in flight at once (each takes what is queued when it starts). Default 2:
    /// while one statement is on its way the next group gathers and can start, so a burst of writes (every profile
    /// written at its interval) does not wait for one statement after another.
    /// </summary>
    public int ConcurrentStatements { get; init; } = 2;

    /// <summary>Reads, and writes, that may wait for a statement; further callers wait for room (back pressure). Default 10,000 each.</summary>
    public int MaxPending { get; init; } = 10_000;
}

/// <summary>Counters of one <see cref="PostgresGrainStorage"/> instance since it was created.</summary>
/// <param name="Flushes">Write statements (one round trip and one transaction each) that wrote queued states.</param>
/// <param name="FailedFlushes">Write statements that failed; their writers received the exception.</param>
/// <param name="Writes">Writes completed by successful flushes, conflicts included.</param>
/// <param name="Conflicts">Writes refused because the row's version was not the one the writer presented.</param>
/// <param name="ReadStatements">Read statements run, each for every read queued meanwhile.</param>
/// <param name="Reads">Reads those statements answered.</param>
public sealed record GrainStateStatistics(long Flushes, long FailedFlushes, long Writes, long Conflicts, long ReadStatements, long Reads);
