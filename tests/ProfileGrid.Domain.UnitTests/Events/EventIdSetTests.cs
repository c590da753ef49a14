namespace ProfileGrid.Domain.UnitTests.Events;

public sealed class EventIdSetTests
{
    private static CustomerEvent Event(string id) => new()
    {
        Id = id,
        Type = "web.pageView",
        Timestamp = new DateTimeOffset(2026, 3, 3, 9, 30, 0, TimeSpan.Zero),
        Identities = [new IdentityKey("ecid", "dev-1")],
    };

    [Fact]
    public void Holds_the_ids_of_the_timeline_it_is_made_from_and_no_others()
    {
        var timeline = Enumerable.Range(0, 50).Select(i => Event($"e-{i}")).ToList();

        var ids = new EventIdSet(timeline);

        Assert.Equal(50, ids.Count);
        Assert.All(timeline, e => Assert.True(ids.Contains(e.Id, timeline), e.Id));
        Assert.False(ids.Contains("e-50", timeline));
        Assert.False(ids.Contains("E-1", timeline));
    }

    [Fact]
    public void Follows_events_joining_and_leaving_the_timeline()
    {
        var timeline = new List<CustomerEvent> { Event("a"), Event("b") };
        var ids = new EventIdSet(timeline);

        for (var i = 0; i < 20; i++)
        {
            timeline.Add(Event($"n-{i}"));
            ids.Add($"n-{i}");
        }
        ids.Remove("a");
        timeline.RemoveAt(0);

        Assert.Equal(21, ids.Count);
        Assert.False(ids.Contains("a", timeline));
        Assert.True(ids.Contains("b", timeline));
        Assert.True(ids.Contains("n-19", timeline));
        // Removing an id it does not hold changes nothing.
        ids.Remove("never-there");
        Assert.Equal(21, ids.Count);
    }

    [Fact]
    public void An_id_whose_hash_collides_with_one_held_is_not_taken_for_it()
    {
        // Every id hashes alike: only the timeline can tell them apart.
        var timeline = new List<CustomerEvent> { Event("x"), Event("y") };
        var ids = new EventIdSet(timeline, _ => 42);

        Assert.True(ids.Contains("x", timeline));
        Assert.False(ids.Contains("z", timeline));

        timeline.Add(Event("z"));
        ids.Add("z");
        ids.Remove("x");
        timeline.RemoveAt(0);

        Assert.Equal(2, ids.Count);
        Assert.True(ids.Contains("z", timeline));
        Assert.True(ids.Contains("y", timeline));
        Assert.False(ids.Contains("x", timeline));
    }

    [Fact]
    public void An_empty_timeline_grows()
    {
        var timeline = new List<CustomerEvent>();
        var ids = new EventIdSet(timeline);

        for (var i = 0; i < 1000; i++)
        {
            Assert.False(ids.Contains($"e-{i}", timeline));
            timeline.Add(Event($"e-{i}"));
            ids.Add($"e-{i}");
        }

        Assert.Equal(1000, ids.Count);
        Assert.All(timeline, e => Assert.True(ids.Contains(e.Id, timeline)));
    }
}
