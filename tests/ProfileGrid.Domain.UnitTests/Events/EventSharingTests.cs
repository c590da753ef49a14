using System.Runtime.InteropServices;

namespace ProfileGrid.Domain.UnitTests.Events;

public sealed class EventSharingTests
{
    private static CustomerEvent Event(string id, string type, params (string Namespace, string Value)[] identities) => new()
    {
        Id = id,
        // Built at run time, as parsing does, so that equal texts are distinct objects.
        Type = new string(type.AsSpan()),
        Channel = new string("web".AsSpan()),
        Timestamp = new DateTimeOffset(2026, 3, 3, 9, 30, 0, TimeSpan.Zero),
        Identities = [.. identities.Select(i => new IdentityKey(new string(i.Namespace.AsSpan()), new string(i.Value.AsSpan())))],
    };

    [Fact]
    public void An_event_with_the_same_identities_as_its_neighbour_takes_its_identities_whole()
    {
        var before = Event("e-1", "web.pageView", ("email", "sarah@example.com"), ("ecid", "dev-1"));
        var next = Event("e-2", "web.pageView", ("email", "sarah@example.com"), ("ecid", "dev-1"));

        var shared = EventSharing.ShareWith(next, before);

        AssertSameValues(next, shared);
        Assert.Same(ImmutableCollectionsMarshal.AsArray(before.Identities), ImmutableCollectionsMarshal.AsArray(shared.Identities));
    }

    [Fact]
    public void Identities_equal_to_a_neighbours_become_its_objects_and_new_ones_stay()
    {
        var before = Event("e-1", "web.pageView", ("ecid", "dev-1"));
        var login = Event("e-2", "web.login", ("email", "sarah@example.com"), ("ecid", "dev-1"));

        var shared = EventSharing.ShareWith(login, before);

        AssertSameValues(login, shared);
        Assert.Equal(["email:sarah@example.com", "ecid:dev-1"], shared.Identities.Select(i => i.ToString()));
        Assert.Same(before.Identities[0], shared.Identities[1]);
        Assert.Same(login.Identities[0], shared.Identities[0]);
        Assert.NotSame(before.Identities[0], login.Identities[1]); // the original is left as it was
    }

    [Fact]
    public void Type_and_channel_texts_are_pooled_across_events()
    {
        var one = EventSharing.ShareWith(Event("e-1", "commerce.purchase"), null);
        var two = EventSharing.ShareWith(Event("e-2", "commerce.purchase"), null);

        Assert.Same(one.Type, two.Type);
        Assert.Same(one.Channel, two.Channel);
        Assert.Equal("commerce.purchase", two.Type);
    }

    [Fact]
    public void An_event_with_nothing_to_share_is_returned_as_it_is()
    {
        var first = EventSharing.ShareWith(Event("e-1", "web.pageView", ("ecid", "dev-1")), null);
        var unrelated = EventSharing.ShareWith(Event("e-2", "web.pageView", ("ecid", "dev-2")), null);

        Assert.Same(unrelated, EventSharing.ShareWith(unrelated, first));
    }

    // Record equality compares an ImmutableArray by its storage, so identities are compared by value here.
    private static void AssertSameValues(CustomerEvent expected, CustomerEvent actual)
    {
        Assert.Equal(expected.Identities.AsEnumerable(), actual.Identities.AsEnumerable());
        Assert.Equal(expected, actual with { Identities = expected.Identities });
    }
}
