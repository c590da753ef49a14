using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace ProfileGrid.Domain.UnitTests.Support;

/// <summary>Orleans' serializer for the domain's types, as grain storage writes them.</summary>
internal static class Wire
{
    public static Serializer Serializer { get; } = new ServiceCollection()
        .AddSerializer(builder => builder.AddAssembly(typeof(CustomerEvent).Assembly))
        .BuildServiceProvider()
        .GetRequiredService<Serializer>();
}
