using Microsoft.Extensions.Configuration;

namespace ProfileGrid.Cluster.Tests.Hosting;

/// <summary>A configuration holding just the given keys, as a host's settings readers see it.</summary>
internal static class TestConfiguration
{
    public static IConfiguration Of(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();
}
