using System.Diagnostics.Metrics;
using System.Globalization;
using System.Runtime.InteropServices;
using Orleans.Runtime;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace ProfileGrid.Storage.Postgres.GrainState;

/// <summary>
/// Grain state in <c>OrleansStorage</c> (schema/postgres/003), row for row what Orleans' ADO.NET grain
/// storage reads and writes (<see cref="GrainStateRow"/>, the same payload serializer), but with writes
/// committed in groups: writes from every grain queue, and each statement writes all those queued when
/// it starts (up to <see cref="PostgresGrainStorageOptions.MaxRowsPerStatement"/>; at most
/// <see cref="PostgresGrainStorageOptions.ConcurrentStatements"/> in flight), one round trip and one
/// transaction, with the same optimistic concurrency per row. Reads are grouped the same way; a clear
/// is a statement of its own. Made with <see cref="Create"/>, whose connections carry the session
/// settings the statements' plans rely on.
/// </summary>
/// <remarks>
/// <para>
/// A silo creating people writes three small states per new person (two identities and the profile);
/// through Orleans' provider each is its own statement and transaction, and PostgreSQL spent most of its
/// CPU on that per-statement work rather than on the rows.
/// </para>
/// <para>
/// Version is the ETag: a write presenting version <c>v</c> succeeds only if the row's version is still
/// <c>v</c>, a write presenting none only if no row exists yet; otherwise the writer gets Orleans'
/// <see cref="InconsistentStateException"/> and the row is left as it was. A state written twice within
/// one flush (two activations of one grain) goes into the next statement the second time, so that the
/// two are decided one after the other. A write completes after its statement committed; if the
/// statement fails, every write of it faults with the error and none of them is stored.
/// </para>
/// </remarks>
public sealed class PostgresGrainStorage : IGrainStorage, IAsyncDisposable
{
    private const string KeyMatches = """
           GrainIdHash = $1 AND GrainTypeHash = $2 AND ServiceId = $3 AND GrainIdN0 = $4 AND GrainIdN1 = $5
           AND GrainTypeString = $6 AND GrainIdExtensionString IS NOT DISTINCT FROM $7
        """;

    // Every stored row among the asked ones; an asked row not returned has never been written.
    private const string ReadSql = """
        SELECT s.GrainIdHash, s.GrainIdN0, s.GrainIdN1, s.GrainTypeHash, s.GrainTypeString, s.GrainIdExtensionString, s.PayloadBinary, s.Version
          FROM unnest($2::integer[], $3::bigint[], $4::bigint[], $5::integer[], $6::text[], $7::text[])
               AS i(id_hash, n0, n1, type_hash, type_name, extension)
          JOIN OrleansStorage s
            ON s.GrainIdHash = i.id_hash AND s.GrainTypeHash = i.type_hash AND s.ServiceId = $1
           AND s.GrainIdN0 = i.n0 AND s.GrainIdN1 = i.n1 AND s.GrainTypeString = i.type_name
           AND s.GrainIdExtensionString IS NOT DISTINCT FROM i.extension
        """;

    private const string ClearSql = """
        UPDATE OrleansStorage SET PayloadBinary = NULL, ModifiedOn = now(), Version = Version + 1
         WHERE
        """ + KeyMatches + """
           AND Version = $8
        RETURNING Version
        """;

    // The update of each row whose writer presented its current version, and the insert of each row
    // whose writer presented none and that does not exist yet; both return the rows they wrote, and a
    // write whose row is not among them is a conflict.
    private const string WriteSql = """
        WITH input AS (
            SELECT * FROM unnest($2::integer[], $3::bigint[], $4::bigint[], $5::integer[], $6::text[], $7::text[], $8::integer[], $9::bytea[])
                AS i(id_hash, n0, n1, type_hash, type_name, extension, version, payload)
        ),
        updated AS (
            UPDATE OrleansStorage s
               SET PayloadBinary = i.payload, ModifiedOn = now(), Version = s.Version + 1
              FROM input i
             WHERE i.version IS NOT NULL
               AND s.GrainIdHash = i.id_hash AND s.GrainTypeHash = i.type_hash AND s.ServiceId = $1
               AND s.GrainIdN0 = i.n0 AND s.GrainIdN1 = i.n1 AND s.GrainTypeString = i.type_name
               AND s.GrainIdExtensionString IS NOT DISTINCT FROM i.extension
               AND s.Version = i.version
            RETURNING s.GrainIdHash, s.GrainIdN0, s.GrainIdN1, s.GrainTypeHash, s.GrainTypeString, s.GrainIdExtensionString, s.Version
        ),
        inserted AS (
            INSERT INTO OrleansStorage
                (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString,
                 GrainIdExtensionString, ServiceId, PayloadBinary, ModifiedOn, Version)
            SELECT id_hash, n0, n1, type_hash, type_name, extension, $1, payload, now(), 1
              FROM input WHERE version IS NULL
            ON CONFLICT (GrainIdHash, GrainTypeHash, ServiceId, GrainIdN0, GrainIdN1, GrainTypeString,
                         (coalesce(GrainIdExtensionString, '')), (GrainIdExtensionString IS NULL))
            DO NOTHING
            RETURNING GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString, GrainIdExtensionString, Version
        )
        SELECT * FROM updated
        UNION ALL
        SELECT * FROM inserted
        """;

    /// <summary>
    /// Session settings of this storage's connections. Every statement here finds rows by their unique
    /// key. A prepared statement's generic plan, made while the table was small, joined a batch's
    /// updates against every row of the service (measured: 60,000 rows filtered for one update), so
    /// each statement is planned for its own parameters, and scans and hash or merge joins are ruled out.
    /// </summary>
    private const string KeyedPlansOnly = "-c plan_cache_mode=force_custom_plan -c enable_seqscan=off -c enable_hashjoin=off -c enable_mergejoin=off";

    private const int MaxAttemptsOnDeadlock = 3;

    /// <summary>The meter of <c>profilegrid.grain_state.statement_rows</c> (the grains' own storage instruments share its name).</summary>
    public const string MeterName = "ProfileGrid.Storage";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Grain states per statement, tagged <c>kind</c> (read, write) and <c>outcome</c> (ok, error): how much the grouping saves.</summary>
    private static readonly Histogram<int> StatementRows = Meter.CreateHistogram<int>(
        "profilegrid.grain_state.statement_rows", unit: "{state}",
        description: "Grain states read or written by one PostgreSQL statement of the batched grain storage, by kind and outcome.");

    /// <summary>A write counts one row towards a statement's limit, and one more per this many bytes of its payload.</summary>
    private const int PayloadBytesPerRow = 4096;

    /// <summary>One pool per connection string in the process (see <see cref="Create"/>).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, NpgsqlDataSource> SharedDataSources = new(StringComparer.Ordinal);

    private readonly NpgsqlDataSource dataSource;
    private readonly string serviceId;
    private readonly IGrainStorageSerializer serializer;
    private readonly IActivatorProvider activators;
    private readonly ILogger logger;
    private readonly GroupCommitQueue<PendingWrite> writes;
    private readonly GroupCommitQueue<PendingRead> reads;

    private long flushes;
    private long failedFlushes;
    private long completedWrites;
    private long conflicts;
    private long readStatements;
    private long completedReads;
    private int disposed;

    private PostgresGrainStorage(
        NpgsqlDataSource dataSource,
        string serviceId,
        IGrainStorageSerializer serializer,
        IActivatorProvider activators,
        PostgresGrainStorageOptions? options,
        ILogger? logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(serviceId);
        ArgumentNullException.ThrowIfNull(serializer);
        ArgumentNullException.ThrowIfNull(activators);
        options ??= new PostgresGrainStorageOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxRowsPerStatement, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxPending, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ConcurrentStatements, 1, nameof(options));
        this.dataSource = dataSource;
        this.serviceId = serviceId;
        this.serializer = serializer;
        this.activators = activators;
        this.logger = logger ?? NullLogger.Instance;
        writes = new GroupCommitQueue<PendingWrite>(nameof(PostgresGrainStorage), options.MaxPending, options.MaxRowsPerStatement, write => 1 + write.Payload.Length / PayloadBytesPerRow, FlushAsync, options.ConcurrentStatements);
        reads = new GroupCommitQueue<PendingRead>(nameof(PostgresGrainStorage), options.MaxPending, options.MaxRowsPerStatement, _ => 1, ReadAsync, options.ConcurrentStatements);
    }

    /// <summary>
    /// Creates a storage on the process's pool for <paramref name="connectionString"/> (with this storage's session
    /// settings): storages of several silos in one process (a test cluster) share it, as connections opened by
    /// connection string share Npgsql's pools, so silos that stop without disposing their services leave no pools
    /// behind. The pool lives as long as the process.
    /// </summary>
    /// <param name="connectionString">The database, migrated with <see cref="Schema.PostgresSchemaMigrator"/>.</param>
    /// <param name="serviceId">Orleans' <c>ServiceId</c>: rows of other services in the same table are never touched.</param>
    /// <param name="serializer">The payload format; the one Orleans' provider is given, for rows both read.</param>
    /// <param name="activators">Makes the empty state of a grain without a stored one.</param>
    /// <param name="options">Batching settings; defaults when null.</param>
    /// <param name="logger">Receives failed statements; optional.</param>
    public static PostgresGrainStorage Create(
        string connectionString,
        string serviceId,
        IGrainStorageSerializer serializer,
        IActivatorProvider activators,
        PostgresGrainStorageOptions? options = null,
        ILogger<PostgresGrainStorage>? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        builder.Options = string.IsNullOrWhiteSpace(builder.Options) ? KeyedPlansOnly : builder.Options + " " + KeyedPlansOnly;
        var dataSource = SharedDataSources.GetOrAdd(builder.ConnectionString, static cs => NpgsqlDataSource.Create(cs));
        return new PostgresGrainStorage(dataSource, serviceId, serializer, activators, options, logger);
    }

    /// <summary>Counters since this instance was created.</summary>
    public GrainStateStatistics Statistics => new(
        Interlocked.Read(ref flushes),
        Interlocked.Read(ref failedFlushes),
        Interlocked.Read(ref completedWrites),
        Interlocked.Read(ref conflicts),
        Interlocked.Read(ref readStatements),
        Interlocked.Read(ref completedReads));

    /// <inheritdoc />
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var row = GrainStateRow.Of(stateName, grainId);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        var pending = new PendingRead(row);
        await reads.EnqueueAsync(pending, CancellationToken.None).ConfigureAwait(false);
        if (await pending.Completion.Task.ConfigureAwait(false) is { } stored)
        {
            var state = stored.Payload is null ? default : serializer.Deserialize<T>(new BinaryData(stored.Payload));
            grainState.State = state ?? Create<T>();
            grainState.ETag = stored.Version.ToString(CultureInfo.InvariantCulture);
            grainState.RecordExists = true;
        }
        else
        {
            grainState.State = Create<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
        }
    }

    /// <inheritdoc />
    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var row = GrainStateRow.Of(stateName, grainId);
        var version = VersionOf(grainState.ETag);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        var pending = new PendingWrite(row, version, Bytes(serializer.Serialize(grainState.State)));
        await writes.EnqueueAsync(pending, CancellationToken.None).ConfigureAwait(false);
        if (await pending.Completion.Task.ConfigureAwait(false) is not int stored)
        {
            throw Conflict("write", stateName, grainId, grainState.ETag);
        }

        grainState.ETag = stored.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    /// <summary>
    /// Drops the payload but keeps the row, with its next version (so a later write presents it); a state
    /// never stored is read first and, if still absent, left alone (as Orleans' provider does).
    /// </summary>
    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var row = GrainStateRow.Of(stateName, grainId);
        if (!grainState.RecordExists)
        {
            await ReadStateAsync(stateName, grainId, grainState).ConfigureAwait(false);
            if (!grainState.RecordExists) return;
        }

        var version = VersionOf(grainState.ETag);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        await using var command = dataSource.CreateCommand(ClearSql);
        AddKey(command.Parameters, row);
        command.Parameters.Add(new NpgsqlParameter<int?> { NpgsqlDbType = NpgsqlDbType.Integer, TypedValue = version });
        if (await command.ExecuteScalarAsync().ConfigureAwait(false) is not int stored)
        {
            throw Conflict("clear", stateName, grainId, grainState.ETag);
        }

        grainState.ETag = stored.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = false;
        grainState.State = Create<T>();
    }

    /// <summary>Stops taking reads and writes, finishes those already queued, and waits for the loops to end (the pool stays).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0) return;
        await writes.CompleteAsync().ConfigureAwait(false);
        await reads.CompleteAsync().ConfigureAwait(false);
    }

    private T Create<T>() => activators.GetActivator<T>().Create();

    private static int? VersionOf(string? etag)
    {
        if (string.IsNullOrWhiteSpace(etag)) return null;
        return int.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            ? version
            : throw new ArgumentException($"ETag '{etag}' is not a version this storage wrote (a non-negative integer).", nameof(etag));
    }

    private static byte[] Bytes(BinaryData data)
    {
        var memory = data.ToMemory();
        return MemoryMarshal.TryGetArray(memory, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : memory.ToArray();
    }

    private InconsistentStateException Conflict(string operation, string stateName, GrainId grainId, string? etag) =>
        new($"Version conflict on {operation}: state '{stateName}' of grain {grainId} (service {serviceId}) is no longer at version {etag ?? "(none: no row expected)"}; re-read it and apply the change again.",
            storedEtag: string.Empty, currentEtag: etag ?? string.Empty);

    private void AddKey(NpgsqlParameterCollection parameters, GrainStateRow row)
    {
        parameters.Add(new NpgsqlParameter<int> { NpgsqlDbType = NpgsqlDbType.Integer, TypedValue = row.IdHash });
        parameters.Add(new NpgsqlParameter<int> { NpgsqlDbType = NpgsqlDbType.Integer, TypedValue = row.TypeHash });
        parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Text, TypedValue = serviceId });
        parameters.Add(new NpgsqlParameter<long> { NpgsqlDbType = NpgsqlDbType.Bigint, TypedValue = row.N0 });
        parameters.Add(new NpgsqlParameter<long> { NpgsqlDbType = NpgsqlDbType.Bigint, TypedValue = row.N1 });
        parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Text, TypedValue = row.TypeName });
        parameters.Add(new NpgsqlParameter<string?> { NpgsqlDbType = NpgsqlDbType.Text, TypedValue = row.Extension });
    }

    /// <summary>Reads every asked row in one statement; a row asked twice is read once for both.</summary>
    private async Task ReadAsync(List<PendingRead> batch)
    {
        try
        {
            var asked = new Dictionary<GrainStateRow, StoredRow?>(batch.Count);
            foreach (var read in batch) asked.TryAdd(read.Row, null);
            var keys = asked.Keys.ToList();
            await using (var command = dataSource.CreateCommand(ReadSql))
            {
                AddKeys(command.Parameters, keys);
                await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
                while (await reader.ReadAsync().ConfigureAwait(false))
                {
                    asked[RowOf(reader)] = new StoredRow(reader.IsDBNull(6) ? null : reader.GetFieldValue<byte[]>(6), reader.GetInt32(7));
                }
            }

            Interlocked.Increment(ref readStatements);
            Interlocked.Add(ref completedReads, batch.Count);
            Measure("read", "ok", batch.Count);
            foreach (var read in batch) read.Completion.TrySetResult(asked[read.Row]);
        }
        catch (Exception exception)
        {
            logger.LogError(exception, "Reading {Count} grain state(s) failed.", batch.Count);
            Measure("read", "error", batch.Count);
            foreach (var read in batch) read.Completion.TrySetException(exception);
        }
    }

    private static void Measure(string kind, string outcome, int rows)
    {
        if (!StatementRows.Enabled) return;
        StatementRows.Record(rows, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("outcome", outcome));
    }

    private static GrainStateRow RowOf(NpgsqlDataReader reader) =>
        new(reader.GetInt32(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt32(3), reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5));

    private void AddKeys(NpgsqlParameterCollection parameters, IReadOnlyList<GrainStateRow> rows)
    {
        var count = rows.Count;
        var idHashes = new int[count];
        var n0s = new long[count];
        var n1s = new long[count];
        var typeHashes = new int[count];
        var typeNames = new string[count];
        var extensions = new string?[count];
        for (var i = 0; i < count; i++)
        {
            var row = rows[i];
            idHashes[i] = row.IdHash;
            n0s[i] = row.N0;
            n1s[i] = row.N1;
            typeHashes[i] = row.TypeHash;
            typeNames[i] = row.TypeName;
            extensions[i] = row.Extension;
        }

        parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Text, TypedValue = serviceId });
        parameters.Add(new NpgsqlParameter<int[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer, TypedValue = idHashes });
        parameters.Add(new NpgsqlParameter<long[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint, TypedValue = n0s });
        parameters.Add(new NpgsqlParameter<long[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint, TypedValue = n1s });
        parameters.Add(new NpgsqlParameter<int[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer, TypedValue = typeHashes });
        parameters.Add(new NpgsqlParameter<string[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, TypedValue = typeNames });
        parameters.Add(new NpgsqlParameter<string?[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, TypedValue = extensions });
    }

    private async Task FlushAsync(List<PendingWrite> batch)
    {
        // A row goes into a statement once; a second write of it waits for the statement after.
        var pending = batch;
        while (pending.Count > 0)
        {
            var rows = new List<PendingWrite>(pending.Count);
            var keys = new HashSet<GrainStateRow>(pending.Count);
            List<PendingWrite>? later = null;
            foreach (var write in pending)
            {
                if (keys.Add(write.Row)) rows.Add(write);
                else (later ??= []).Add(write);
            }

            await WriteWithRetryAsync(rows).ConfigureAwait(false);
            pending = later ?? [];
        }
    }

    private async Task WriteWithRetryAsync(List<PendingWrite> rows)
    {
        // Rows in one order, so that two silos' statements lock shared rows alike.
        rows.Sort(static (a, b) => Compare(a.Row, b.Row));
        int?[] stored;
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    stored = await WriteAsync(rows).ConfigureAwait(false);
                    break;
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DeadlockDetected && attempt < MaxAttemptsOnDeadlock)
                {
                    // Another silo wrote some of the same rows; the victim rolled back, so all of them are written again.
                }
            }
        }
        catch (Exception exception)
        {
            Interlocked.Increment(ref failedFlushes);
            logger.LogError(exception, "Writing {Count} grain state(s) failed.", rows.Count);
            Measure("write", "error", rows.Count);
            foreach (var write in rows) write.Completion.TrySetException(exception);
            return;
        }

        Interlocked.Increment(ref flushes);
        Interlocked.Add(ref completedWrites, rows.Count);
        Measure("write", "ok", rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            if (stored[i] is null) Interlocked.Increment(ref conflicts);
            rows[i].Completion.TrySetResult(stored[i]);
        }
    }

    private async Task<int?[]> WriteAsync(List<PendingWrite> rows)
    {
        var count = rows.Count;
        var keys = new GrainStateRow[count];
        var versions = new int?[count];
        var payloads = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            keys[i] = rows[i].Row;
            versions[i] = rows[i].Version;
            payloads[i] = rows[i].Payload;
        }

        await using var command = dataSource.CreateCommand(WriteSql);
        AddKeys(command.Parameters, keys);
        command.Parameters.Add(new NpgsqlParameter<int?[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer, TypedValue = versions });
        command.Parameters.Add(new NpgsqlParameter<byte[][]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea, TypedValue = payloads });

        var index = new Dictionary<GrainStateRow, int>(count);
        for (var i = 0; i < count; i++) index[rows[i].Row] = i;
        var stored = new int?[count];
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            stored[index[RowOf(reader)]] = reader.GetInt32(6);
        }

        return stored;
    }

    private static int Compare(GrainStateRow a, GrainStateRow b)
    {
        var c = a.IdHash.CompareTo(b.IdHash);
        if (c == 0) c = a.TypeHash.CompareTo(b.TypeHash);
        if (c == 0) c = a.N0.CompareTo(b.N0);
        if (c == 0) c = a.N1.CompareTo(b.N1);
        if (c == 0) c = string.CompareOrdinal(a.TypeName, b.TypeName);
        if (c == 0) c = string.CompareOrdinal(a.Extension, b.Extension);
        return c;
    }

    private sealed record StoredRow(byte[]? Payload, int Version);

    private sealed record PendingRead(GrainStateRow Row)
    {
        public TaskCompletionSource<StoredRow?> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed record PendingWrite(GrainStateRow Row, int? Version, byte[] Payload)
    {
        public TaskCompletionSource<int?> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
