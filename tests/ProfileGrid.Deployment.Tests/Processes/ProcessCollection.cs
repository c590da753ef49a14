namespace ProfileGrid.Deployment.Tests.Processes;

/// <summary>
/// Tests that start silo and gateway processes run one after another: each starts up to four .NET
/// processes, and on a two-core machine two such tests at once would measure each other.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ProcessCollection
{
    public const string Name = "real processes";
}
