using System.Text;

namespace ProfileGrid.Storage.Postgres.ProfileSets;

/// <summary>
/// Large sets of profile ids on PostgreSQL (<c>profilegrid_profile_sets</c>), one row per member,
/// changed by deltas with group commit.
/// </summary>
/// <remarks>
/// <para>
/// A set is named by a service id (Orleans' <c>ServiceId</c>, so that services sharing a database
/// stay apart) and a key within the service. Writing a change costs the members that changed, not
/// the size of the set.
/// </para>
/// <para>
/// Changes from all callers go through one writer. While a flush is in flight, new requests queue
/// up; the next flush takes all of them (up to <see cref="PostgresProfileSetsOptions.MaxChangesPerFlush"/>
/// changes) and writes them in one batch of statements: one implicit transaction, one round trip.
/// Within a flush the requests are applied in the order they were queued: the last change of a
/// member of a set wins, and a clear drops the changes queued before it. A request completes after
/// that transaction committed, or faults with its exception (every request of a failed flush does;
/// none of its changes is kept, and applying them again is always safe).
/// </para>
/// </remarks>
public sealed class PostgresProfileSets : IAsyncDisposable
{
    /// <summary>
    /// Longest service id, set key and profile id together, in UTF-8 bytes: the three are one
    /// b-tree key, and PostgreSQL refuses keys above about a third of a page. A longer one would
    /// fail the whole flush, so it is refused up front.
    /// </summary>
    public const int MaxKeyBytes = 2_048;

    private const string ClearSql = """
        DELETE FROM profilegrid_profile_sets s
         USING unnest(@service_ids, @set_keys) AS c(service_id, set_key)
         WHERE s.service_id = c.service_id AND s.set_key = c.set_key;
        """;

    private const string RemoveSql = """
        DELETE FROM profilegrid_profile_sets s
         USING unnest(@service_ids, @set_keys, @profile_ids) AS r(service_id, set_key, profile_id)
         WHERE s.service_id = r.service_id AND s.set_key = r.set_key AND s.profile_id = r.profile_id;
        """;

    private const string AddSql = """
        INSERT INTO profilegrid_profile_sets (service_id, set_key, profile_id)
        SELECT service_id, set_key, profile_id
          FROM unnest(@service_ids, @set_keys, @profile_ids) AS a(service_id, set_key, profile_id)
        ON CONFLICT DO NOTHING;
        """;

    private const string LoadSql = """
        SELECT profile_id FROM profilegrid_profile_sets WHERE service_id = @service_id AND set_key = @set_key;
        """;

    private const int MaxAttemptsOnDeadlock = 3;

    private readonly NpgsqlDataSource dataSource;
    private readonly bool ownsDataSource;
    private readonly PostgresProfileSetsOptions options;
    private readonly ILogger logger;
    private readonly GroupCommitQueue<PendingChange> changes;

    private long flushes;
    private long failedFlushes;
    private long requests;
    private int disposed;

    /// <param name="dataSource">The database, migrated with <see cref="Schema.PostgresSchemaMigrator"/>. Not disposed by the store.</param>
    /// <param name="options">Batching settings; defaults when null.</param>
    /// <param name="logger">Receives failed flushes; optional.</param>
    public PostgresProfileSets(NpgsqlDataSource dataSource, PostgresProfileSetsOptions? options = null, ILogger<PostgresProfileSets>? logger = null)
        : this(dataSource, ownsDataSource: false, options, logger)
    {
    }

    private PostgresProfileSets(NpgsqlDataSource dataSource, bool ownsDataSource, PostgresProfileSetsOptions? options, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        this.options = options ?? new PostgresProfileSetsOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(this.options.MaxChangesPerFlush, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(this.options.MaxPendingRequests, 1, nameof(options));

        this.dataSource = dataSource;
        this.ownsDataSource = ownsDataSource;
        this.logger = logger ?? NullLogger.Instance;
        changes = new GroupCommitQueue<PendingChange>(
            nameof(PostgresProfileSets), this.options.MaxPendingRequests, this.options.MaxChangesPerFlush,
            pending => 1 + pending.Added.Length + pending.Removed.Length, FlushAsync);
    }

    /// <summary>Creates a store with its own connection pool, disposed with the store.</summary>
    public static PostgresProfileSets Create(string connectionString, PostgresProfileSetsOptions? options = null, ILogger<PostgresProfileSets>? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return new PostgresProfileSets(NpgsqlDataSource.Create(connectionString), ownsDataSource: true, options, logger);
    }

    /// <summary>Counters since this instance was created.</summary>
    public ProfileSetStatistics Statistics => new(
        Interlocked.Read(ref flushes),
        Interlocked.Read(ref failedFlushes),
        Interlocked.Read(ref requests));

    /// <summary>Every member of the set, in no particular order; empty for a set never written.</summary>
    public async Task<IReadOnlyCollection<string>> LoadAsync(string serviceId, string setKey, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(serviceId);
        ArgumentException.ThrowIfNullOrEmpty(setKey);
        var members = new List<string>();
        await using var command = dataSource.CreateCommand(LoadSql);
        command.Parameters.Add(new NpgsqlParameter<string>("service_id", NpgsqlDbType.Text) { TypedValue = serviceId });
        command.Parameters.Add(new NpgsqlParameter<string>("set_key", NpgsqlDbType.Text) { TypedValue = setKey });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            members.Add(reader.GetString(0));
        }

        return members;
    }

    /// <summary>
    /// Removes <paramref name="removed"/> from the set, then adds <paramref name="added"/> (so an id
    /// in both ends a member); completes once that is committed. Members already present or absent
    /// are no-ops.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// An id is null, holds a NUL character, or makes a key longer than <see cref="MaxKeyBytes"/>;
    /// nothing of this call is written.
    /// </exception>
    public Task ApplyAsync(
        string serviceId,
        string setKey,
        IReadOnlyCollection<string> added,
        IReadOnlyCollection<string> removed,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(added);
        ArgumentNullException.ThrowIfNull(removed);
        var prefixBytes = ValidateSet(serviceId, setKey);
        if (added.Count == 0 && removed.Count == 0)
        {
            return Task.CompletedTask;
        }

        string[] addedIds = [.. added];
        string[] removedIds = [.. removed];
        ValidateMembers(addedIds, prefixBytes, nameof(added));
        ValidateMembers(removedIds, prefixBytes, nameof(removed));
        return EnqueueAsync(new PendingChange(serviceId, setKey, Cleared: false, addedIds, removedIds), cancellationToken);
    }

    /// <summary>Removes every member of the set; completes once that is committed.</summary>
    public Task ClearAsync(string serviceId, string setKey, CancellationToken cancellationToken = default)
    {
        ValidateSet(serviceId, setKey);
        return EnqueueAsync(new PendingChange(serviceId, setKey, Cleared: true, [], []), cancellationToken);
    }

    /// <summary>
    /// Stops accepting changes, writes those already queued, and waits for the writer to finish.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        await changes.CompleteAsync().ConfigureAwait(false);
        if (ownsDataSource)
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static int ValidateSet(string serviceId, string setKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(serviceId);
        ArgumentException.ThrowIfNullOrEmpty(setKey);
        ValidateText(serviceId, nameof(serviceId), "service id");
        ValidateText(setKey, nameof(setKey), "set key");
        var bytes = Encoding.UTF8.GetByteCount(serviceId) + Encoding.UTF8.GetByteCount(setKey);
        if (bytes >= MaxKeyBytes)
        {
            throw new ArgumentException($"Service id and set key '{setKey}' are longer than {MaxKeyBytes} bytes.", nameof(setKey));
        }

        return bytes;
    }

    private static void ValidateMembers(string[] ids, int prefixBytes, string parameter)
    {
        foreach (var id in ids)
        {
            ValidateText(id, parameter, "profile id");
            if (prefixBytes + Encoding.UTF8.GetByteCount(id) > MaxKeyBytes)
            {
                throw new ArgumentException($"Profile id '{id[..Math.Min(id.Length, 40)]}...' makes a set key longer than {MaxKeyBytes} bytes.", parameter);
            }
        }
    }

    private static void ValidateText(string? value, string parameter, string what)
    {
        if (value is null)
        {
            throw new ArgumentException($"A {what} is null.", parameter);
        }

        // PostgreSQL text cannot hold NUL; one such id would fail every request of its flush.
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"The {what} '{value.Replace("\0", "\\0", StringComparison.Ordinal)}' contains a NUL character.", parameter);
        }
    }

    private async Task EnqueueAsync(PendingChange pending, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        await changes.EnqueueAsync(pending, cancellationToken).ConfigureAwait(false);

        await pending.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task FlushAsync(List<PendingChange> batch)
    {
        var collapsed = Collapse(batch);
        try
        {
            await WriteWithRetryAsync(collapsed).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Interlocked.Increment(ref failedFlushes);
            logger.LogError(exception, "Writing {Count} profile set change request(s) failed.", batch.Count);
            foreach (var pending in batch)
            {
                pending.Completion.TrySetException(exception);
            }

            return;
        }

        Interlocked.Increment(ref flushes);
        Interlocked.Add(ref requests, batch.Count);
        foreach (var pending in batch)
        {
            pending.Completion.TrySetResult();
        }
    }

    /// <summary>
    /// The net effect of the batch: per set, whether it is cleared first, then each member's last
    /// change (true: present). Rows are sorted so that two writers lock shared rows in the same order.
    /// </summary>
    internal static Rows Collapse(IEnumerable<PendingChange> batch)
    {
        var sets = new Dictionary<(string Service, string Set), SetChange>();
        foreach (var pending in batch)
        {
            if (!sets.TryGetValue((pending.ServiceId, pending.SetKey), out var set))
            {
                set = new SetChange();
                sets[(pending.ServiceId, pending.SetKey)] = set;
            }

            if (pending.Cleared)
            {
                set.Cleared = true;
                set.Members.Clear();
            }

            foreach (var id in pending.Removed)
            {
                set.Members[id] = false;
            }

            foreach (var id in pending.Added)
            {
                set.Members[id] = true;
            }
        }

        var rows = new Rows();
        foreach (var ((service, key), set) in sets.OrderBy(s => s.Key.Service, StringComparer.Ordinal).ThenBy(s => s.Key.Set, StringComparer.Ordinal))
        {
            if (set.Cleared)
            {
                rows.Cleared.Add((service, key));
            }

            foreach (var (id, present) in set.Members.OrderBy(m => m.Key, StringComparer.Ordinal))
            {
                // After a clear nothing is left to remove.
                if (present)
                {
                    rows.Added.Add((service, key, id));
                }
                else if (!set.Cleared)
                {
                    rows.Removed.Add((service, key, id));
                }
            }
        }

        return rows;
    }

    private async Task WriteWithRetryAsync(Rows rows)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await WriteAsync(rows).ConfigureAwait(false);
                return;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DeadlockDetected && attempt < MaxAttemptsOnDeadlock)
            {
                // Another process changed some of the same members; the victim rolled back.
            }
        }
    }

    private async Task WriteAsync(Rows rows)
    {
        await using var connection = await dataSource.OpenConnectionAsync().ConfigureAwait(false);
        // One batch is one round trip and, without an explicit transaction, one implicit
        // transaction: a failing statement rolls back the others.
        await using var batch = new NpgsqlBatch(connection);
        if (rows.Cleared.Count > 0)
        {
            var command = new NpgsqlBatchCommand(ClearSql);
            command.Parameters.Add(TextArray("service_ids", rows.Cleared.Select(r => r.Service)));
            command.Parameters.Add(TextArray("set_keys", rows.Cleared.Select(r => r.Set)));
            batch.BatchCommands.Add(command);
        }

        AddMemberCommand(batch, RemoveSql, rows.Removed);
        AddMemberCommand(batch, AddSql, rows.Added);
        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
    }

    private static void AddMemberCommand(NpgsqlBatch batch, string sql, List<(string Service, string Set, string Id)> members)
    {
        if (members.Count == 0)
        {
            return;
        }

        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(TextArray("service_ids", members.Select(r => r.Service)));
        command.Parameters.Add(TextArray("set_keys", members.Select(r => r.Set)));
        command.Parameters.Add(TextArray("profile_ids", members.Select(r => r.Id)));
        batch.BatchCommands.Add(command);
    }

    private static NpgsqlParameter<string[]> TextArray(string name, IEnumerable<string> values) =>
        new(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. values] };

    internal sealed record PendingChange(string ServiceId, string SetKey, bool Cleared, string[] Added, string[] Removed)
    {
        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    internal sealed class Rows
    {
        public List<(string Service, string Set)> Cleared { get; } = [];

        public List<(string Service, string Set, string Id)> Removed { get; } = [];

        public List<(string Service, string Set, string Id)> Added { get; } = [];
    }

    private sealed class SetChange
    {
        public bool Cleared { get; set; }

        public Dictionary<string, bool> Members { get; } = new(StringComparer.Ordinal);
    }
}
