using ProfileGrid.Segments;

namespace ProfileGrid.Cluster.Tests.Segments;

public sealed class InProcessProfileIdSetStoreTests
{
    private readonly string _service = Guid.NewGuid().ToString("N");

    [Fact]
    public async Task A_set_outlives_the_store_instance_that_wrote_it()
    {
        await new InProcessProfileIdSetStore(_service).Apply("directory/0", ["p-1", "p-2", "p-3"], []);
        await new InProcessProfileIdSetStore(_service).Apply("directory/0", ["p-4"], ["p-2", "p-9"]);

        var loaded = await new InProcessProfileIdSetStore(_service).Load("directory/0");

        Assert.Equal(["p-1", "p-3", "p-4"], loaded.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Removals_apply_before_additions()
    {
        var store = new InProcessProfileIdSetStore(_service);
        await store.Apply("audience/s/0", ["p-1"], []);

        await store.Apply("audience/s/0", ["p-1", "p-2"], ["p-1", "p-2"]);

        Assert.Equal(["p-1", "p-2"], (await store.Load("audience/s/0")).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Sets_of_other_services_and_other_keys_are_apart()
    {
        var store = new InProcessProfileIdSetStore(_service);
        var other = new InProcessProfileIdSetStore(Guid.NewGuid().ToString("N"));
        await store.Apply("audience/s/0", ["p-1"], []);
        await store.Apply("audience/s/1", ["p-2"], []);
        await other.Apply("audience/s/0", ["p-3"], []);

        await store.Clear("audience/s/1");
        await other.Clear("audience/never-written/0");

        Assert.Equal(["p-1"], await store.Load("audience/s/0"));
        Assert.Empty(await store.Load("audience/s/1"));
        Assert.Equal(["p-3"], await other.Load("audience/s/0"));
        Assert.Empty(await other.Load("audience/never-written/0"));
    }

    [Fact]
    public async Task A_loaded_set_is_a_snapshot()
    {
        var store = new InProcessProfileIdSetStore(_service);
        await store.Apply("directory/1", ["p-1"], []);

        var loaded = await store.Load("directory/1");
        await store.Apply("directory/1", ["p-2"], ["p-1"]);

        Assert.Equal(["p-1"], loaded);
    }

    [Fact]
    public async Task Concurrent_changes_all_land()
    {
        var store = new InProcessProfileIdSetStore(_service);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            for (var i = 0; i < 2_000; i++)
            {
                await store.Apply("directory/2", [$"p-{worker}-{i}", $"q-{worker}-{i}"], []);
                await store.Apply("directory/2", [], [$"q-{worker}-{i}"]);
            }
        })));

        var loaded = await store.Load("directory/2");
        Assert.Equal(8 * 2_000, loaded.Count);
        Assert.All(loaded, id => Assert.StartsWith("p-", id, StringComparison.Ordinal));
    }
}
