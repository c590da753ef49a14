namespace ProfileGrid.Storage.Postgres;

/// <summary>
/// Values the Orleans ADO.NET providers (clustering, grain persistence, reminders) need to run on
/// the schema under <c>schema/postgres</c>.
/// </summary>
public static class OrleansAdoNet
{
    /// <summary>
    /// The ADO.NET invariant name Orleans maps to <c>Npgsql.NpgsqlFactory</c>; set it as
    /// <c>options.Invariant</c> of every Orleans ADO.NET provider.
    /// </summary>
    public const string Invariant = "Npgsql";
}
