namespace ProfileGrid.Domain.UnitTests.Identity;

public sealed class OwnerCacheTests
{
    private static IdentityKey Email(int n) => new("email", $"p{n}@example.com");

    [Fact]
    public void Remembers_the_latest_owner_and_counts_each_identity_once()
    {
        var cache = new OwnerCache();
        cache.Remember([Email(1), Email(2)], "profile-a");
        cache.Remember([Email(1)], "profile-a");
        cache.Remember([Email(2)], "profile-b");

        Assert.Equal(2, cache.Count);
        Assert.True(cache.TryGet(Email(1), out var first));
        Assert.Equal("profile-a", first);
        Assert.True(cache.TryGet(Email(2), out var second));
        Assert.Equal("profile-b", second);
    }

    [Fact]
    public void Forgetting_removes_the_entries_and_their_count()
    {
        var cache = new OwnerCache();
        cache.Remember([Email(1), Email(2)], "profile-a");
        cache.Forget([Email(1), Email(3)]);

        Assert.Equal(1, cache.Count);
        Assert.False(cache.TryGet(Email(1), out _));
        Assert.True(cache.TryGet(Email(2), out _));
    }

    [Fact]
    public void Starts_over_once_full_so_memory_stays_bounded()
    {
        var cache = new OwnerCache(capacity: 3);
        cache.Remember([Email(1), Email(2), Email(3)], "profile-a");
        Assert.Equal(3, cache.Count);

        cache.Remember([Email(4)], "profile-b");

        Assert.Equal(1, cache.Count);
        Assert.False(cache.TryGet(Email(1), out _));
        Assert.True(cache.TryGet(Email(4), out var owner));
        Assert.Equal("profile-b", owner);
    }
}
