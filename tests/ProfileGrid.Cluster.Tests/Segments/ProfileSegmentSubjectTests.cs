using ProfileGrid.Segments;

namespace ProfileGrid.Cluster.Tests.Segments;

/// <summary>
/// Profiles evaluated one after another on one thread share that thread's projection buffer and its events by type:
/// each pass sees its own profile's timeline, whatever pass ran before it, and a timeline that grew or shrank
/// between passes.
/// </summary>
public sealed class ProfileSegmentSubjectTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    private static ProfileState Timeline(params string[] types)
    {
        var state = new ProfileState();
        for (var i = 0; i < types.Length; i++)
        {
            state.Events.Add(new CustomerEvent
            {
                Id = $"e-{i}",
                Type = types[i],
                Timestamp = Now.AddMinutes(-types.Length + i),
                Identities = [new IdentityKey("ecid", "d-1")],
                AttributesJson = $$"""{"n":{{i}}}""",
            });
        }
        return state;
    }

    [Fact]
    public void Alternating_profiles_on_one_thread_each_see_their_own_events()
    {
        var bought = SegmentCompiler.Compile("exists(events where type = \"commerce.purchase\")");
        var yoga = Timeline("web.pageView", "commerce.purchase");
        var running = Timeline("web.pageView", "web.pageView", "email.open");
        var a = new ProfileSegmentSubject();
        var b = new ProfileSegmentSubject();

        for (var round = 0; round < 3; round++)
        {
            a.Reset(yoga, new ProfileStats(), Now);
            Assert.True(bought.Evaluate(a, Now));
            b.Reset(running, new ProfileStats(), Now);
            Assert.False(bought.Evaluate(b, Now));
            // The same pass of the first profile again, after the second used the buffer.
            Assert.Equal(["web.pageView", "commerce.purchase"], a.Events.Select(e => e.Type));
            Assert.Equal(1, a.Events[1].Attributes.GetProperty("n").GetInt32());
            Assert.Equal(["web.pageView", "web.pageView", "email.open"], b.Events.Select(e => e.Type));
            // The events of one type, picked out for the first profile again after the second used the thread's index.
            Assert.Empty(b.EventsOfType("commerce.purchase"));
            var purchases = a.EventsOfType("commerce.purchase");
            Assert.Equal(Now.AddMinutes(-1), Assert.Single(purchases).Timestamp);
            Assert.Equal(1, purchases[0].Attributes.GetProperty("n").GetInt32());
            Assert.Equal(2, b.EventsOfType("web.pageView").Count);
        }

        yoga.Events.RemoveAt(1);
        a.Reset(yoga, new ProfileStats(), Now);
        Assert.False(bought.Evaluate(a, Now));
        Assert.Single(a.Events);
        Assert.Empty(a.EventsOfType("commerce.purchase"));
    }

    [Fact]
    public void A_pass_on_another_thread_does_not_disturb_one_on_this_thread()
    {
        var mine = Timeline("commerce.purchase");
        var subject = new ProfileSegmentSubject().Reset(mine, new ProfileStats(), Now);
        Assert.Equal(["commerce.purchase"], subject.Events.Select(e => e.Type));

        string[] other = [];
        var thread = new Thread(() =>
        {
            var theirs = new ProfileSegmentSubject().Reset(Timeline("web.pageView", "web.pageView"), new ProfileStats(), Now);
            other = [.. theirs.Events.Select(e => e.Type)];
        });
        thread.Start();
        thread.Join();

        Assert.Equal(["web.pageView", "web.pageView"], other);
        Assert.Equal(["commerce.purchase"], subject.Events.Select(e => e.Type));
    }
}
