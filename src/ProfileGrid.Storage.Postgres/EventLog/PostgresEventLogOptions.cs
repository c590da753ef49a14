namespace ProfileGrid.Storage.Postgres.EventLog;

/// <summary>Settings of <see cref="PostgresEventLog"/>.</summary>
public sealed class PostgresEventLogOptions
{
    /// <summary>
    /// A flush takes pending appends until it holds at least this many events (it always takes
    /// whole appends, so one large append is written in one flush). Default 5,000.
    /// </summary>
    public int MaxEventsPerFlush { get; init; } = 5_000;

    /// <summary>
    /// Appends that may wait for a flush; further callers wait for room (back pressure).
    /// Default 10,000.
    /// </summary>
    public int MaxPendingAppends { get; init; } = 10_000;

    /// <summary>Rows fetched per query by the streaming reads. Default 1,000.</summary>
    public int ReadPageSize { get; init; } = 1_000;

    /// <summary>
    /// Longest event id, identity namespace and identity value accepted, in characters. These
    /// are index keys; a longer one is rejected with an <see cref="ArgumentException"/> naming the
    /// event. Default 512.
    /// </summary>
    public int MaxKeyLength { get; init; } = 512;

    /// <summary>Clock for <see cref="StoredEvent.ReceivedAt"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
