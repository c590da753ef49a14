using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.TestingHost;
using ProfileGrid.Hosting;
using ProfileGrid.Segments;

namespace ProfileGrid.Cluster.Tests.Segments;

/// <summary>
/// A directory or audience shard lets the changes of many profiles wait for the store together (so a
/// group-committing store writes them in one round trip), instead of one after another.
/// </summary>
public sealed class ProfileIdSetConcurrencyTests : IAsyncLifetime
{
    private static readonly ConcurrentDictionary<string, GatedStore> Stores = new();
    private readonly string _name = Guid.NewGuid().ToString("N");
    private TestCluster _cluster = null!;

    private GatedStore Store => Stores[_name];

    public async Task InitializeAsync()
    {
        Stores[_name] = new GatedStore();
        var builder = new TestClusterBuilder(1);
        builder.ConfigureHostConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?> { ["Test:Name"] = _name }));
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        Store.Release();
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task Registrations_of_many_profiles_in_one_directory_shard_reach_the_store_together()
    {
        var shard = _cluster.Client.GetGrain<IProfileDirectoryGrain>(0);
        var registering = Enumerable.Range(0, 5).Select(i => shard.Register($"p{i}")).ToList();

        // All five are with the store at once; one shard taking them one at a time would leave one there.
        await Store.WaitForInFlight(5).WaitAsync(TimeSpan.FromSeconds(10));
        Store.Release();
        await Task.WhenAll(registering);
        Assert.Equal(5, await shard.Count());
    }

    [Fact]
    public async Task Audience_changes_of_many_profiles_in_one_shard_reach_the_store_together()
    {
        var shard = _cluster.Client.GetGrain<IAudienceShardGrain>(0);
        var applying = Enumerable.Range(0, 5).Select(i => shard.Apply([new AudienceChange("seg", $"p{i}", Entered: true)])).ToList();

        await Store.WaitForInFlight(5).WaitAsync(TimeSpan.FromSeconds(10));
        Store.Release();
        await Task.WhenAll(applying);
        Assert.Equal(5, await shard.Count("seg"));
    }

    [Fact]
    public async Task An_audience_shard_whose_store_could_not_load_a_set_loads_it_again_on_the_next_call()
    {
        var shard = _cluster.Client.GetGrain<IAudienceShardGrain>(1);
        Store.FailNextLoads(2);

        await Assert.ThrowsAnyAsync<Exception>(() => shard.Apply([new AudienceChange("flaky", "p1", Entered: true)]));
        await Assert.ThrowsAnyAsync<Exception>(() => shard.Count("flaky"));
        Store.Release();
        await shard.Apply([new AudienceChange("flaky", "p1", Entered: true)]);

        Assert.Equal(1, await shard.Count("flaky"));
    }

    [Fact]
    public async Task A_change_the_store_refused_is_undone_in_memory_and_can_be_sent_again()
    {
        Store.Release();
        var shard = _cluster.Client.GetGrain<IAudienceShardGrain>(2);
        await shard.Apply([new AudienceChange("undo", "p1", Entered: true)]);
        Store.FailNextApplies(2);

        await Assert.ThrowsAnyAsync<Exception>(() => shard.Apply([new AudienceChange("undo", "p2", Entered: true)]));
        await Assert.ThrowsAnyAsync<Exception>(() => shard.Apply([new AudienceChange("undo", "p1", Entered: false)]));

        Assert.Equal(["p1"], (await shard.Page("undo", null, 10)).ProfileIds.ToArray());
        await shard.Apply([new AudienceChange("undo", "p2", Entered: true)]);
        Assert.Equal(["p1", "p2"], (await shard.Page("undo", null, 10)).ProfileIds.ToArray());

        var directory = _cluster.Client.GetGrain<IProfileDirectoryGrain>(3);
        Store.FailNextApplies(1);
        await Assert.ThrowsAnyAsync<Exception>(() => directory.Register("d1"));
        Assert.Equal(0, await directory.Count());
        await directory.Register("d1");
        Assert.Equal(1, await directory.Count());
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.AddProfileGrid(silo.Configuration);
            silo.Services.AddSingleton<IProfileIdSetStore>(Stores[silo.Configuration["Test:Name"]!]);
        }
    }

    /// <summary>A store whose writes wait at a gate, counting how many wait there at once.</summary>
    private sealed class GatedStore : IProfileIdSetStore
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Lock _lock = new();
        private readonly List<(int Count, TaskCompletionSource Reached)> _waiters = [];
        private int _inFlight;
        private int _failLoads;
        private int _failApplies;

        /// <summary>The next <paramref name="count"/> writes throw at once.</summary>
        public void FailNextApplies(int count) => _failApplies = count;

        /// <summary>The next <paramref name="count"/> loads throw at once, as a store that cannot be reached may.</summary>
        public void FailNextLoads(int count) => _failLoads = count;

        public Task<IReadOnlyCollection<string>> Load(string setKey)
        {
            if (Interlocked.Decrement(ref _failLoads) >= 0) throw new InvalidOperationException("store unreachable");
            return Task.FromResult<IReadOnlyCollection<string>>([]);
        }

        public async Task Apply(string setKey, IReadOnlyCollection<string> added, IReadOnlyCollection<string> removed)
        {
            if (Interlocked.Decrement(ref _failApplies) >= 0) throw new InvalidOperationException("store unreachable");
            lock (_lock)
            {
                _inFlight++;
                foreach (var (count, reached) in _waiters)
                    if (_inFlight >= count) reached.TrySetResult();
            }

            await _gate.Task;
        }

        public Task Clear(string setKey) => Task.CompletedTask;

        public Task WaitForInFlight(int count)
        {
            lock (_lock)
            {
                var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                if (_inFlight >= count) reached.TrySetResult();
                else _waiters.Add((count, reached));
                return reached.Task;
            }
        }

        public void Release() => _gate.TrySetResult();
    }
}
