using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace ProfileGrid.Storage.Postgres.EventLog;

/// <summary>
/// The durable event log on PostgreSQL (<c>profilegrid_events</c>): idempotent append with group
/// commit, ordered replay, and reads by identity.
/// </summary>
/// <remarks>
/// <para>
/// Appends from all callers go through one writer. While a flush is in flight, new appends queue
/// up; the next flush writes all of them (up to <see cref="PostgresEventLogOptions.MaxEventsPerFlush"/>
/// events) in one statement, which is one transaction and one round trip. An append completes only
/// after that transaction committed, so an acknowledged event survives a crash of the process
/// (with PostgreSQL's default <c>synchronous_commit = on</c>).
/// </para>
/// <para>
/// Events are idempotent by id across processes: an id already stored, by this instance or any
/// other, is answered <see cref="AppendOutcome.Duplicate"/>, or <see cref="AppendOutcome.Pending"/>
/// while its application has not been confirmed with <see cref="MarkAppliedAsync"/>. If an append
/// fails (the exception is rethrown to every caller of that flush) or is cancelled, its events may
/// or may not have been stored; sending them again is always safe.
/// </para>
/// </remarks>
public sealed class PostgresEventLog : IAsyncDisposable
{
    private const string AppendSql = """
        WITH input AS (
            SELECT *
              FROM unnest(@event_ids, @types, @event_times, @channels, @campaigns, @revenues,
                          @identities, @attributes, @payloads)
                   WITH ORDINALITY AS i(event_id, type, event_time, channel, campaign, revenue,
                                        identities, attributes, payload, ordinal)
        ),
        appended AS (
            INSERT INTO profilegrid_events
                (event_id, received_at, event_time, type, channel, campaign, revenue, identities,
                 attributes, payload)
            SELECT event_id, @received_at, event_time, type, channel, campaign, revenue, identities,
                   attributes, payload
              FROM input
             ORDER BY ordinal
            ON CONFLICT (event_id) DO NOTHING
            RETURNING event_id, sequence, identities
        ),
        indexed AS (
            -- New sequences, and identities written once each (IdentitiesToJson): nothing can conflict.
            INSERT INTO profilegrid_event_identities (namespace, value, sequence)
            SELECT carried.namespace, carried.value, appended.sequence
              FROM appended
             CROSS JOIN LATERAL jsonb_to_recordset(appended.identities) AS carried(namespace text, value text)
        ),
        marked AS (
            INSERT INTO profilegrid_unapplied_events (event_id, received_at)
            SELECT event_id, @received_at FROM appended
        )
        SELECT event_id FROM appended;
        """;

    // Of the ids an append did not store (stored before: re-sends), those still waiting to be applied.
    private const string UnappliedAmongSql = """
        SELECT event_id FROM profilegrid_unapplied_events WHERE event_id = ANY(@event_ids);
        """;

    private const string MarkAppliedSql = """
        DELETE FROM profilegrid_unapplied_events WHERE event_id = ANY(@event_ids);
        """;

    private const string ReadUnappliedSql = $"""
        SELECT {SelectColumns}
          FROM profilegrid_unapplied_events u
          JOIN profilegrid_events e ON e.event_id = u.event_id
         WHERE u.received_at < @received_before
         ORDER BY e.sequence
         LIMIT @limit;
        """;

    // The sequences of the events that carried one of @namespaces/@values, through the identity index.
    private const string SequencesOfIdentitiesSql = """
        SELECT i.sequence
                     FROM profilegrid_event_identities i
                     JOIN unnest(@namespaces, @values) AS wanted(namespace, value)
                       ON i.namespace = wanted.namespace AND i.value = wanted.value
        """;

    // The unconfirmed events of a few identities: found through the identity index, then their markers.
    private const string ReadUnappliedByIdentitiesSql = $"""
        SELECT {SelectColumns}
          FROM profilegrid_events e
         WHERE e.sequence IN ({SequencesOfIdentitiesSql})
           AND EXISTS (SELECT 1 FROM profilegrid_unapplied_events u
                        WHERE u.event_id = e.event_id AND u.received_at < @received_before)
         ORDER BY e.sequence
         LIMIT @limit;
        """;

    // The same, and every event of those identities stored since @stored_since, confirmed or not.
    private const string ReadUnappliedOrRecentByIdentitiesSql = $"""
        SELECT {SelectColumns}
          FROM profilegrid_events e
         WHERE e.sequence IN ({SequencesOfIdentitiesSql})
           AND (e.received_at >= @stored_since
                OR EXISTS (SELECT 1 FROM profilegrid_unapplied_events u
                            WHERE u.event_id = e.event_id AND u.received_at < @received_before))
         ORDER BY e.sequence
         LIMIT @limit;
        """;

    // Identities neither log has a record of: an index probe each, in the identity index and the trait observations'.
    private const string UnrecordedIdentitiesSql = """
        SELECT asked.namespace, asked.value
          FROM unnest(@namespaces, @values) AS asked(namespace, value)
         WHERE NOT EXISTS (SELECT FROM profilegrid_event_identities known
                            WHERE known.namespace = asked.namespace AND known.value = asked.value)
           AND NOT EXISTS (SELECT FROM profilegrid_trait_observations named
                            WHERE named.namespace = asked.namespace AND named.value = asked.value);
        """;

    // The oldest marker, through the index on received_at (an EXISTS over the range may scan the table's churn instead).
    private const string AnyUnappliedSql = """
        SELECT coalesce(min(received_at) < @received_before, false) FROM profilegrid_unapplied_events;
        """;

    private const string SelectColumns =
        "e.sequence, e.received_at, e.event_id, e.type, e.event_time, e.channel, e.campaign, e.revenue, e.identities, e.attributes, e.payload";

    private const string ReadAllSql = $"""
        SELECT {SelectColumns}
          FROM profilegrid_events e
         WHERE e.sequence > @after
         ORDER BY e.sequence
         LIMIT @page_size;
        """;

    private const string ReadByIdentitiesSql = $"""
        SELECT {SelectColumns}
          FROM profilegrid_events e
         WHERE e.sequence IN ({SequencesOfIdentitiesSql}
                    WHERE i.sequence > @after)
         ORDER BY e.sequence
         LIMIT @page_size;
        """;

    private const int MaxAttemptsOnDeadlock = 3;

    private readonly NpgsqlDataSource dataSource;
    private readonly bool ownsDataSource;
    private readonly PostgresEventLogOptions options;
    private readonly ILogger logger;
    private readonly GroupCommitQueue<PendingAppend> appends;

    private long flushes;
    private long failedFlushes;
    private long eventsAppended;
    private long duplicatesDetected;
    private int disposed;

    /// <param name="dataSource">The database, migrated with <see cref="Schema.PostgresSchemaMigrator"/>. Not disposed by the log.</param>
    /// <param name="options">Batching and read settings; defaults when null.</param>
    /// <param name="logger">Receives failed flushes; optional.</param>
    public PostgresEventLog(NpgsqlDataSource dataSource, PostgresEventLogOptions? options = null, ILogger<PostgresEventLog>? logger = null)
        : this(dataSource, ownsDataSource: false, options, logger)
    {
    }

    private PostgresEventLog(NpgsqlDataSource dataSource, bool ownsDataSource, PostgresEventLogOptions? options, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        this.options = options ?? new PostgresEventLogOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(this.options.MaxEventsPerFlush, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(this.options.MaxPendingAppends, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(this.options.ReadPageSize, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(this.options.MaxKeyLength, 1, nameof(options));

        this.dataSource = dataSource;
        this.ownsDataSource = ownsDataSource;
        this.logger = logger ?? NullLogger.Instance;
        appends = new GroupCommitQueue<PendingAppend>(
            nameof(PostgresEventLog), this.options.MaxPendingAppends, this.options.MaxEventsPerFlush, pending => pending.Events.Length, FlushAsync);
    }

    /// <summary>
    /// Creates a log with its own connection pool, disposed with the log.
    /// </summary>
    public static PostgresEventLog Create(string connectionString, PostgresEventLogOptions? options = null, ILogger<PostgresEventLog>? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return new PostgresEventLog(NpgsqlDataSource.Create(connectionString), ownsDataSource: true, options, logger);
    }

    /// <summary>Counters since this instance was created.</summary>
    public EventLogStatistics Statistics => new(
        Interlocked.Read(ref flushes),
        Interlocked.Read(ref failedFlushes),
        Interlocked.Read(ref eventsAppended),
        Interlocked.Read(ref duplicatesDetected));

    /// <summary>
    /// Stores the events durably, each once by id, and reports per event (same order) whether it
    /// was appended or already present.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// An event cannot be stored (missing id or type, invalid JSON, a key longer than
    /// <see cref="PostgresEventLogOptions.MaxKeyLength"/>, ...). The message names the event and
    /// the field; none of the events of this call is stored.
    /// </exception>
    public async Task<IReadOnlyList<AppendOutcome>> AppendAsync(IReadOnlyList<LogEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        if (events.Count == 0)
        {
            return [];
        }

        var snapshot = new LogEvent[events.Count];
        for (var i = 0; i < snapshot.Length; i++)
        {
            LogEventValidator.Validate(events[i], i, options.MaxKeyLength);
            snapshot[i] = events[i];
        }

        var pending = new PendingAppend(snapshot);
        await appends.EnqueueAsync(pending, cancellationToken).ConfigureAwait(false);

        return await pending.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Streams the whole log in sequence order, starting after <paramref name="afterSequence"/>,
    /// one page of <see cref="PostgresEventLogOptions.ReadPageSize"/> rows per query (no
    /// connection is held while the consumer works on a page).
    /// </summary>
    /// <remarks>
    /// Sequence numbers are assigned when a transaction inserts, so a transaction still committing
    /// may add a number lower than one already read: a replay sees every event committed before it
    /// started, and may miss some committed while it runs (which the live path handles).
    /// </remarks>
    public IAsyncEnumerable<StoredEvent> ReadAllAsync(long afterSequence = 0, CancellationToken cancellationToken = default) =>
        ReadPagesAsync(ReadAllSql, static _ => { }, afterSequence, cancellationToken);

    /// <summary>
    /// Streams, in sequence order, every event that carried at least one of the identities
    /// (each event once).
    /// </summary>
    public IAsyncEnumerable<StoredEvent> ReadByIdentitiesAsync(
        IReadOnlyCollection<EventIdentity> identities,
        long afterSequence = 0,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(identities);
        return ReadPagesAsync(ReadByIdentitiesSql, parameters => AddIdentities(parameters, identities), afterSequence, cancellationToken);
    }

    /// <summary>The <c>@namespaces</c> and <c>@values</c> arrays of a query by identities, in the same order.</summary>
    private static void AddIdentities(NpgsqlParameterCollection parameters, IReadOnlyCollection<EventIdentity> identities)
    {
        parameters.Add(new NpgsqlParameter<string[]>("namespaces", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. identities.Select(identity => identity.Namespace)] });
        parameters.Add(new NpgsqlParameter<string[]>("values", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. identities.Select(identity => identity.Value)] });
    }

    private static async Task<List<StoredEvent>> ReadEventsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var events = new List<StoredEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            events.Add(ReadStoredEvent(reader));
        }

        return events;
    }

    /// <summary>
    /// Records that the events' effects (their profiles) are durably written, so that a later
    /// append of the same ids is a plain <see cref="AppendOutcome.Duplicate"/> and the recovery pass
    /// leaves them alone. Losing this call (a crash) is harmless: the events are applied once more,
    /// which appliers must tolerate.
    /// </summary>
    public async Task MarkAppliedAsync(IReadOnlyCollection<string> eventIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(eventIds);
        if (eventIds.Count == 0)
        {
            return;
        }

        await using var command = dataSource.CreateCommand(MarkAppliedSql);
        command.Parameters.Add(new NpgsqlParameter<string[]>("event_ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. eventIds] });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Events stored before <paramref name="receivedBefore"/> whose application was never confirmed
    /// with <see cref="MarkAppliedAsync"/> (their silo died, or applying them failed), oldest first,
    /// at most <paramref name="limit"/>.
    /// </summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadUnappliedAsync(DateTimeOffset receivedBefore, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        await using var command = dataSource.CreateCommand(ReadUnappliedSql);
        command.Parameters.Add(new NpgsqlParameter<DateTime>("received_before", NpgsqlDbType.TimestampTz) { TypedValue = receivedBefore.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter<int>("limit", NpgsqlDbType.Integer) { TypedValue = limit });
        return await ReadEventsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Of the events stored before <paramref name="receivedBefore"/> whose application was never confirmed, those that
    /// carried at least one of the identities, in sequence order, at most <paramref name="limit"/>. With
    /// <paramref name="alsoStoredSince"/>, every event of the identities stored since that moment is read too, confirmed
    /// or not.
    /// </summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadUnappliedByIdentitiesAsync(
        IReadOnlyCollection<EventIdentity> identities,
        DateTimeOffset receivedBefore,
        int limit,
        DateTimeOffset? alsoStoredSince = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(identities);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        if (identities.Count == 0)
        {
            return [];
        }

        await using var command = dataSource.CreateCommand(alsoStoredSince is null ? ReadUnappliedByIdentitiesSql : ReadUnappliedOrRecentByIdentitiesSql);
        AddIdentities(command.Parameters, identities);
        command.Parameters.Add(new NpgsqlParameter<DateTime>("received_before", NpgsqlDbType.TimestampTz) { TypedValue = receivedBefore.UtcDateTime });
        if (alsoStoredSince is { } since)
            command.Parameters.Add(new NpgsqlParameter<DateTime>("stored_since", NpgsqlDbType.TimestampTz) { TypedValue = since.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter<int>("limit", NpgsqlDbType.Integer) { TypedValue = limit });
        return await ReadEventsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Of the identities, those that no stored event carried and no trait observation
    /// (<c>profilegrid_trait_observations</c>) named: nothing derived from the logs can belong to them,
    /// unless their events were deleted. An append committing while this runs may or may not be seen.
    /// </summary>
    public async Task<IReadOnlySet<EventIdentity>> UnrecordedIdentitiesAsync(
        IReadOnlyCollection<EventIdentity> identities,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(identities);
        var unrecorded = new HashSet<EventIdentity>();
        if (identities.Count == 0)
        {
            return unrecorded;
        }

        await using var command = dataSource.CreateCommand(UnrecordedIdentitiesSql);
        AddIdentities(command.Parameters, identities);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            unrecorded.Add(new EventIdentity(reader.GetString(0), reader.GetString(1)));
        }

        return unrecorded;
    }

    /// <summary>Whether any event stored before <paramref name="receivedBefore"/> still awaits confirmation.</summary>
    public async Task<bool> AnyUnappliedAsync(DateTimeOffset receivedBefore, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(AnyUnappliedSql);
        command.Parameters.Add(new NpgsqlParameter<DateTime>("received_before", NpgsqlDbType.TimestampTz) { TypedValue = receivedBefore.UtcDateTime });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// Stops accepting appends, writes those already queued, and waits for the writer to finish.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        await appends.CompleteAsync().ConfigureAwait(false);
        if (ownsDataSource)
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task FlushAsync(List<PendingAppend> batch)
    {
        // The first occurrence of an id in the flush goes to the database; later ones are duplicates
        // of it whatever the database answers.
        var rows = new List<LogEvent>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pending in batch)
        {
            foreach (var logEvent in pending.Events)
            {
                if (seen.Add(logEvent.EventId))
                {
                    rows.Add(logEvent);
                }
            }
        }

        HashSet<string> stored;
        HashSet<string> unapplied;
        try
        {
            (stored, unapplied) = await WriteWithRetryAsync(rows).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Interlocked.Increment(ref failedFlushes);
            logger.LogError(exception, "Appending {Count} events to the event log failed.", rows.Count);
            foreach (var pending in batch)
            {
                pending.Completion.TrySetException(exception);
            }

            return;
        }

        Interlocked.Increment(ref flushes);
        Interlocked.Add(ref eventsAppended, stored.Count);
        var answered = new HashSet<string>(StringComparer.Ordinal);
        var duplicates = 0;
        foreach (var pending in batch)
        {
            var outcomes = new AppendOutcome[pending.Events.Length];
            for (var i = 0; i < outcomes.Length; i++)
            {
                var id = pending.Events[i].EventId;
                outcomes[i] = !answered.Add(id) ? AppendOutcome.Duplicate
                    : stored.Contains(id) ? AppendOutcome.Appended
                    : unapplied.Contains(id) ? AppendOutcome.Pending
                    : AppendOutcome.Duplicate;
                duplicates += outcomes[i] == AppendOutcome.Duplicate ? 1 : 0;
            }

            pending.Completion.TrySetResult(outcomes);
        }

        Interlocked.Add(ref duplicatesDetected, duplicates);
    }

    private async Task<(HashSet<string> Stored, HashSet<string> Pending)> WriteWithRetryAsync(List<LogEvent> rows)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await WriteAsync(rows).ConfigureAwait(false);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DeadlockDetected && attempt < MaxAttemptsOnDeadlock)
            {
                // Two writers inserted overlapping new ids in different orders; the victim rolled back.
            }
        }
    }

    private async Task<(HashSet<string> Stored, HashSet<string> Pending)> WriteAsync(List<LogEvent> rows)
    {
        var count = rows.Count;
        var eventIds = new string[count];
        var types = new string[count];
        var eventTimes = new DateTime[count];
        var channels = new string?[count];
        var campaigns = new string?[count];
        var revenues = new double?[count];
        var identities = new string[count];
        var attributes = new string?[count];
        var payloads = new string?[count];
        var json = new ArrayBufferWriter<byte>();
        for (var i = 0; i < count; i++)
        {
            var row = rows[i];
            eventIds[i] = row.EventId;
            types[i] = row.Type;
            eventTimes[i] = row.Timestamp.UtcDateTime;
            channels[i] = row.Channel;
            campaigns[i] = row.Campaign;
            revenues[i] = row.Revenue;
            identities[i] = IdentitiesToJson(row.Identities, json);
            attributes[i] = row.AttributesJson;
            payloads[i] = row.PayloadJson;
        }

        await using var command = dataSource.CreateCommand(AppendSql);
        var parameters = command.Parameters;
        parameters.Add(new NpgsqlParameter<string[]>("event_ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = eventIds });
        parameters.Add(new NpgsqlParameter<string[]>("types", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = types });
        parameters.Add(new NpgsqlParameter<DateTime[]>("event_times", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { TypedValue = eventTimes });
        parameters.Add(new NpgsqlParameter<string?[]>("channels", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = channels });
        parameters.Add(new NpgsqlParameter<string?[]>("campaigns", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = campaigns });
        parameters.Add(new NpgsqlParameter<double?[]>("revenues", NpgsqlDbType.Array | NpgsqlDbType.Double) { TypedValue = revenues });
        parameters.Add(new NpgsqlParameter<string[]>("identities", NpgsqlDbType.Array | NpgsqlDbType.Jsonb) { TypedValue = identities });
        parameters.Add(new NpgsqlParameter<string?[]>("attributes", NpgsqlDbType.Array | NpgsqlDbType.Jsonb) { TypedValue = attributes });
        parameters.Add(new NpgsqlParameter<string?[]>("payloads", NpgsqlDbType.Array | NpgsqlDbType.Jsonb) { TypedValue = payloads });
        parameters.Add(new NpgsqlParameter<DateTime>("received_at", NpgsqlDbType.TimestampTz) { TypedValue = options.TimeProvider.GetUtcNow().UtcDateTime });

        var stored = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync().ConfigureAwait(false))
        {
            while (await reader.ReadAsync().ConfigureAwait(false))
            {
                stored.Add(reader.GetString(0));
            }
        }

        // Usually every id is new and this costs nothing. Asked after the append committed, so a marker
        // another writer committed meanwhile is seen too (answered Pending: applying again is harmless).
        var pending = new HashSet<string>(StringComparer.Ordinal);
        if (stored.Count < count)
        {
            var others = eventIds.Where(id => !stored.Contains(id)).ToArray();
            await using var check = dataSource.CreateCommand(UnappliedAmongSql);
            check.Parameters.Add(new NpgsqlParameter<string[]>("event_ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = others });
            await using var reader = await check.ExecuteReaderAsync().ConfigureAwait(false);
            while (await reader.ReadAsync().ConfigureAwait(false))
            {
                pending.Add(reader.GetString(0));
            }
        }

        return (stored, pending);
    }

    private static string IdentitiesToJson(IReadOnlyList<EventIdentity> identities, ArrayBufferWriter<byte> buffer)
    {
        buffer.ResetWrittenCount();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            var written = new HashSet<EventIdentity>();
            foreach (var identity in identities)
            {
                if (written.Add(identity))
                {
                    json.WriteStartObject();
                    json.WriteString("namespace", identity.Namespace);
                    json.WriteString("value", identity.Value);
                    json.WriteEndObject();
                }
            }

            json.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private async IAsyncEnumerable<StoredEvent> ReadPagesAsync(
        string sql,
        Action<NpgsqlParameterCollection> addParameters,
        long afterSequence,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var after = afterSequence;
        while (true)
        {
            var page = new List<StoredEvent>(options.ReadPageSize);
            await using (var command = dataSource.CreateCommand(sql))
            {
                addParameters(command.Parameters);
                command.Parameters.Add(new NpgsqlParameter<long>("after", NpgsqlDbType.Bigint) { TypedValue = after });
                command.Parameters.Add(new NpgsqlParameter<int>("page_size", NpgsqlDbType.Integer) { TypedValue = options.ReadPageSize });
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    page.Add(ReadStoredEvent(reader));
                }
            }

            foreach (var stored in page)
            {
                yield return stored;
            }

            if (page.Count < options.ReadPageSize)
            {
                yield break;
            }

            after = page[^1].Sequence;
        }
    }

    private static StoredEvent ReadStoredEvent(NpgsqlDataReader reader)
    {
        var logEvent = new LogEvent
        {
            EventId = reader.GetString(2),
            Type = reader.GetString(3),
            Timestamp = reader.GetFieldValue<DateTimeOffset>(4),
            Channel = reader.IsDBNull(5) ? null : reader.GetString(5),
            Campaign = reader.IsDBNull(6) ? null : reader.GetString(6),
            Revenue = reader.IsDBNull(7) ? null : reader.GetDouble(7),
            Identities = IdentitiesFromJson(reader.GetString(8)),
            AttributesJson = reader.IsDBNull(9) ? null : reader.GetString(9),
            PayloadJson = reader.IsDBNull(10) ? null : reader.GetString(10),
        };
        return new StoredEvent(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), logEvent);
    }

    private static EventIdentity[] IdentitiesFromJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        var identities = new EventIdentity[document.RootElement.GetArrayLength()];
        var i = 0;
        foreach (var element in document.RootElement.EnumerateArray())
        {
            identities[i++] = new EventIdentity(
                element.GetProperty("namespace").GetString()!,
                element.GetProperty("value").GetString()!);
        }

        return identities;
    }

    private sealed class PendingAppend(LogEvent[] events)
    {
        public LogEvent[] Events { get; } = events;

        public TaskCompletionSource<IReadOnlyList<AppendOutcome>> Completion { get; } =
            new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
