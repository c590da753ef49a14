using Microsoft.Extensions.Options;

namespace ProfileGrid.Segments;

/// <summary>
/// The silo's copy of the segment catalogue. Profile grains read it on every change without a grain call;
/// it asks the registry for a newer version at most every <see cref="SegmentOptions.CatalogRefreshMilliseconds"/>,
/// in the background, and on demand when a caller needs a version it does not have yet.
/// </summary>
public sealed class SegmentCatalogCache(IGrainFactory grains, IOptions<SegmentOptions> options, TimeProvider time, ILogger<SegmentCatalogCache> logger)
{
    private readonly Lock _gate = new();
    private LoadedCatalog _current = LoadedCatalog.Empty;
    private bool _loaded;
    private long _checkedAt = long.MinValue;
    private Task? _refreshing;

    /// <summary>
    /// The current catalogue, never older than one refresh interval: a call that finds the last check
    /// older waits for a refresh (shared by every caller of that moment). A batch evaluation relies on
    /// this: it starts two intervals after a definition, so every profile evaluated from then on sees it.
    /// </summary>
    public async ValueTask<LoadedCatalog> Get()
    {
        if (!Volatile.Read(ref _loaded)) return await AtLeast(0);
        var due = time.GetElapsedTime(Interlocked.Read(ref _checkedAt)).TotalMilliseconds >= options.Value.CatalogRefreshMilliseconds;
        if (due) await Task.Run(Refresh);
        return Volatile.Read(ref _current);
    }

    /// <summary>The catalogue at <paramref name="version"/> or newer, asking the registry now when needed.</summary>
    public async ValueTask<LoadedCatalog> AtLeast(long version)
    {
        for (var attempt = 0; ; attempt++)
        {
            var current = Volatile.Read(ref _current);
            if (Volatile.Read(ref _loaded) && current.Version >= version) return current;
            if (attempt >= 3) return current; // the registry has not got there yet (it answers with its newest)
            await Task.Run(Refresh);
        }
    }

    private Task Refresh()
    {
        lock (_gate)
        {
            if (_refreshing is { IsCompleted: false } running) return running;
            Interlocked.Exchange(ref _checkedAt, time.GetTimestamp());
            return _refreshing = Load();
        }
    }

    private async Task Load()
    {
        try
        {
            var current = Volatile.Read(ref _current);
            var snapshot = await grains.GetGrain<ISegmentRegistryGrain>(0).GetCatalog(Volatile.Read(ref _loaded) ? current.Version : -1);
            if (snapshot is not null && snapshot.Version >= current.Version)
                Volatile.Write(ref _current, LoadedCatalog.From(snapshot, current));
            Volatile.Write(ref _loaded, true);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Segment catalogue refresh failed; keeping version {Version}", Volatile.Read(ref _current).Version);
        }
    }
}
