using System.Collections.Immutable;
using System.Reflection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ProfileGrid.Segments;

namespace ProfileGrid.Cluster.Tests.Segments;

/// <summary>
/// The silo's catalogue cache, on a fake clock: it asks the registry at most once per refresh interval,
/// and a caller that comes after the interval gets the new catalogue, not the old one while a refresh
/// runs behind it (a batch walk relies on that).
/// </summary>
public sealed class SegmentCatalogCacheTests
{
    private static readonly DateTimeOffset DefinedAt = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_call_after_the_refresh_interval_gets_the_new_catalogue_and_calls_within_it_ask_nobody()
    {
        var clock = new FakeTimeProvider(DefinedAt);
        var registry = new RegistryStub(Snapshot(1, "a"));
        var cache = new SegmentCatalogCache(
            GrainFactoryStub.With(registry), Options.Create(new SegmentOptions { CatalogRefreshMilliseconds = 500 }), clock, NullLogger<SegmentCatalogCache>.Instance);

        Assert.Equal(1, (await cache.Get()).Version);
        Assert.Equal(1, registry.Calls);

        registry.Current = Snapshot(2, "a", "b");
        clock.Advance(TimeSpan.FromMilliseconds(499));
        var within = await cache.Get();
        Assert.Equal(1, within.Version);
        Assert.Equal(1, registry.Calls);

        clock.Advance(TimeSpan.FromMilliseconds(1));
        var after = await cache.Get();
        Assert.Equal(2, after.Version);
        Assert.True(after.Definitions.ContainsKey("b"));
        Assert.Equal(2, registry.Calls);
    }

    [Fact]
    public async Task AtLeast_asks_the_registry_at_once_for_a_version_the_cache_does_not_have()
    {
        var clock = new FakeTimeProvider(DefinedAt);
        var registry = new RegistryStub(Snapshot(1, "a"));
        var cache = new SegmentCatalogCache(
            GrainFactoryStub.With(registry), Options.Create(new SegmentOptions { CatalogRefreshMilliseconds = 500 }), clock, NullLogger<SegmentCatalogCache>.Instance);
        await cache.Get();

        registry.Current = Snapshot(3, "a", "c");

        Assert.Equal(3, (await cache.AtLeast(3)).Version);
        Assert.Equal(2, registry.Calls);
    }

    private static SegmentCatalogSnapshot Snapshot(long version, params string[] ids) =>
        new(version, [.. ids.Select(id => new SegmentDefinition(id, id, "traits.loyaltyTier = \"plus\"", version, DefinedAt))]);

    /// <summary>The registry as the cache sees it: a catalogue, newer than the caller's or not.</summary>
    private sealed class RegistryStub(SegmentCatalogSnapshot current)
    {
        public SegmentCatalogSnapshot Current { get; set; } = current;

        public int Calls { get; private set; }

        public SegmentCatalogSnapshot? GetCatalog(long knownVersion)
        {
            Calls++;
            return Current.Version > knownVersion ? Current : null;
        }
    }

    /// <summary>An <see cref="IGrainFactory"/> that hands out only the registry stub.</summary>
    private static class GrainFactoryStub
    {
        public static IGrainFactory With(RegistryStub registry)
        {
            var registryGrain = Stub<ISegmentRegistryGrain>.With((method, args) => method.Name == nameof(ISegmentRegistryGrain.GetCatalog)
                ? GetCatalogLater(registry, (long)args![0]!)
                : throw new NotSupportedException($"{method.Name} is not part of this stub"));
            return Stub<IGrainFactory>.With((method, _) =>
                method is { Name: nameof(IGrainFactory.GetGrain), IsGenericMethod: true } && method.GetGenericArguments()[0] == typeof(ISegmentRegistryGrain)
                    ? registryGrain
                    : throw new NotSupportedException($"{method.Name} is not part of this stub"));
        }

        /// <summary>Answers after the caller has moved on, as a grain call does: a refresh the cache did not wait for has not landed yet.</summary>
        private static async Task<SegmentCatalogSnapshot?> GetCatalogLater(RegistryStub registry, long knownVersion)
        {
            await Task.Delay(20);
            return registry.GetCatalog(knownVersion);
        }
    }

    /// <summary>An interface implemented by one handler for all its methods.</summary>
    private class Stub<T> : DispatchProxy
        where T : class
    {
        private Func<MethodInfo, object?[]?, object?> _handler = null!;

        public static T With(Func<MethodInfo, object?[]?, object?> handler)
        {
            var stub = Create<T, Stub<T>>();
            ((Stub<T>)(object)stub)._handler = handler;
            return stub;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => _handler(targetMethod!, args);
    }
}
