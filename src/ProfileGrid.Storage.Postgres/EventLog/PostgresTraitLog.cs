namespace ProfileGrid.Storage.Postgres.EventLog;

/// <summary>One stored <c>setTraits</c> call: through an identity, at a time, these attributes had these values.</summary>
/// <param name="Identity">The identity the traits were set through (normalised).</param>
/// <param name="ObservedAt">When the values held, per the caller.</param>
/// <param name="TraitsJson">A JSON object; a null member removes the attribute as of <see cref="ObservedAt"/>.</param>
public sealed record TraitObservation(EventIdentity Identity, DateTimeOffset ObservedAt, string TraitsJson);

/// <summary>
/// Trait observations on PostgreSQL (<c>profilegrid_trait_observations</c>): the facts behind a
/// profile's traits, stored before a <c>setTraits</c> is acknowledged and read back by identity to
/// re-derive them. Observations are not deduplicated: the newest per attribute wins, so storing one
/// twice (a retried call) changes nothing derived from them.
/// </summary>
public sealed class PostgresTraitLog : IAsyncDisposable
{
    private const string AppendSql = """
        INSERT INTO profilegrid_trait_observations (namespace, value, observed_at, received_at, traits)
        VALUES (@namespace, @value, @observed_at, @received_at, @traits::jsonb)
        RETURNING sequence
        """;

    private const string RemoveSql = "DELETE FROM profilegrid_trait_observations WHERE sequence = @sequence";

    private const string ReadByIdentitiesSql = """
        SELECT o.namespace, o.value, o.observed_at, o.traits::text
          FROM profilegrid_trait_observations o
          JOIN unnest(@namespaces, @values) AS wanted(namespace, value)
            ON o.namespace = wanted.namespace AND o.value = wanted.value
         ORDER BY o.sequence
        """;

    private readonly NpgsqlDataSource dataSource;
    private readonly bool ownsDataSource;
    private readonly TimeProvider time;
    private readonly int maxKeyLength;

    /// <param name="dataSource">The database, migrated with <see cref="Schema.PostgresSchemaMigrator"/>. Not disposed by the log.</param>
    /// <param name="time">Stamps <c>received_at</c>; the system clock when null.</param>
    /// <param name="maxKeyLength">Longest identity namespace or value accepted, as for events (<see cref="PostgresEventLogOptions.MaxKeyLength"/>).</param>
    public PostgresTraitLog(NpgsqlDataSource dataSource, TimeProvider? time = null, int maxKeyLength = 512)
        : this(dataSource, ownsDataSource: false, time, maxKeyLength)
    {
    }

    private PostgresTraitLog(NpgsqlDataSource dataSource, bool ownsDataSource, TimeProvider? time, int maxKeyLength)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxKeyLength, 1);
        this.dataSource = dataSource;
        this.ownsDataSource = ownsDataSource;
        this.time = time ?? TimeProvider.System;
        this.maxKeyLength = maxKeyLength;
    }

    /// <summary>Creates a log with its own connection pool, disposed with the log.</summary>
    public static PostgresTraitLog Create(string connectionString, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return new PostgresTraitLog(NpgsqlDataSource.Create(connectionString), ownsDataSource: true, time, maxKeyLength: 512);
    }

    /// <summary>Stores the observation durably (one transaction, committed when this returns); its sequence number.</summary>
    /// <exception cref="ArgumentException">The observation cannot be stored; the message names the field and the rule, and nothing is stored.</exception>
    public async Task<long> AppendAsync(TraitObservation observation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(observation);
        Validate(observation);
        await using var command = dataSource.CreateCommand(AppendSql);
        command.Parameters.Add(new NpgsqlParameter<string>("namespace", NpgsqlDbType.Text) { TypedValue = observation.Identity.Namespace });
        command.Parameters.Add(new NpgsqlParameter<string>("value", NpgsqlDbType.Text) { TypedValue = observation.Identity.Value });
        command.Parameters.Add(new NpgsqlParameter<DateTime>("observed_at", NpgsqlDbType.TimestampTz) { TypedValue = observation.ObservedAt.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter<DateTime>("received_at", NpgsqlDbType.TimestampTz) { TypedValue = time.GetUtcNow().UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter<string>("traits", NpgsqlDbType.Text) { TypedValue = observation.TraitsJson });
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// Takes back an observation that was certainly not applied (refused after it was stored), so that profiles
    /// re-derived from the log agree with the live ones. True when it was there.
    /// </summary>
    public async Task<bool> RemoveAsync(long sequence, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(RemoveSql);
        command.Parameters.Add(new NpgsqlParameter<long>("sequence", NpgsqlDbType.Bigint) { TypedValue = sequence });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>Every observation made through any of the identities, in arrival order.</summary>
    public async Task<IReadOnlyList<TraitObservation>> ReadByIdentitiesAsync(IReadOnlyCollection<EventIdentity> identities, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(identities);
        var observations = new List<TraitObservation>();
        if (identities.Count == 0)
        {
            return observations;
        }

        await using var command = dataSource.CreateCommand(ReadByIdentitiesSql);
        command.Parameters.Add(new NpgsqlParameter<string[]>("namespaces", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. identities.Select(i => i.Namespace)] });
        command.Parameters.Add(new NpgsqlParameter<string[]>("values", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. identities.Select(i => i.Value)] });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            observations.Add(new TraitObservation(
                new EventIdentity(reader.GetString(0), reader.GetString(1)),
                new DateTimeOffset(reader.GetFieldValue<DateTime>(2), TimeSpan.Zero),
                reader.GetString(3)));
        }

        return observations;
    }

    public async ValueTask DisposeAsync()
    {
        if (ownsDataSource)
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void Validate(TraitObservation observation)
    {
        Key(observation.Identity.Namespace, "identity.namespace");
        Key(observation.Identity.Value, "identity.value");
        if (observation.TraitsJson is null)
        {
            throw new ArgumentException("traits: is required");
        }

        if (LogEventValidator.JsonProblem(observation.TraitsJson) is { } rule)
        {
            throw new ArgumentException($"traits: {rule}");
        }

        if (!observation.TraitsJson.TrimStart().StartsWith('{'))
        {
            throw new ArgumentException("traits: must be a JSON object");
        }
    }

    private void Key(string? value, string field)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new ArgumentException($"{field}: must not be empty");
        }

        if (value.Length > maxKeyLength)
        {
            throw new ArgumentException($"{field}: is {value.Length} characters, over the limit of {maxKeyLength}");
        }

        if (!LogEventValidator.IsStorable(value))
        {
            throw new ArgumentException($"{field}: contains a NUL character or an unpaired UTF-16 surrogate");
        }
    }
}
