namespace ProfileGrid.Durability.Tests;

/// <summary>
/// The cluster tests run one at a time: each starts silos on a 2-core machine, and the kill test's
/// fail-over must not compete with another cluster's start-up.
/// </summary>
[CollectionDefinition(Name)]
public sealed class DurableCollection : ICollectionFixture<PostgresServerFixture>
{
    public const string Name = "durable";
}
