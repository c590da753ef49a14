namespace ProfileGrid.Domain.UnitTests.Profiles;

public sealed class ProfileIdsTests
{
    [Fact]
    public void A_new_id_is_a_version_7_guid_in_lower_case_hex_that_carries_its_minting_time()
    {
        var before = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var id = ProfileIds.New();
        var after = DateTimeOffset.UtcNow;

        Assert.Matches("^[0-9a-f]{12}7[0-9a-f]{19}$", id);
        Assert.InRange(ProfileIds.MintedAt(id)!.Value, before, after);
    }

    [Fact]
    public void Ids_sort_by_minting_time()
    {
        var monday = new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
        var ids = Enumerable.Range(0, 50).Select(i => Guid.CreateVersion7(monday.AddMilliseconds(i * 37)).ToString("N")).ToList();

        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
        Assert.Equal(monday.AddMilliseconds(49 * 37), ProfileIds.MintedAt(ids[^1]));
    }

    [Fact]
    public void Minted_after_a_moment_compares_the_minting_time()
    {
        var moment = new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

        Assert.True(ProfileIds.MintedAfter(Guid.CreateVersion7(moment.AddSeconds(1)).ToString("N"), moment));
        Assert.False(ProfileIds.MintedAfter(Guid.CreateVersion7(moment).ToString("N"), moment));
        Assert.False(ProfileIds.MintedAfter(Guid.CreateVersion7(moment.AddSeconds(-1)).ToString("N"), moment));
    }

    [Theory]
    [InlineData("profile-17")]
    [InlineData("0196A3F2B9C07D2E8F1A2B3C4D5E6F70")]
    [InlineData("0196a3f2b9c04d2e8f1a2b3c4d5e6f70")]
    [InlineData("0196a3f2b9c07d2e8f1a2b3c4d5e6f7")]
    [InlineData("0196a3f2-b9c0-7d2e-8f1a-2b3c4d5e6f70")]
    [InlineData("")]
    public void An_id_of_another_form_has_no_minting_time_and_is_never_taken_for_a_new_one(string id)
    {
        Assert.Null(ProfileIds.MintedAt(id));
        Assert.False(ProfileIds.MintedAfter(id, DateTimeOffset.MinValue));
    }
}
