using static ProfileGrid.Domain.UnitTests.Support.Ids;

namespace ProfileGrid.Domain.UnitTests.Identity;

public class IdentityGraphTests
{
    private static readonly IdentityRules Rules = IdentityRules.Default;

    /// <summary>
    /// A graph from links written <c>"a-b@t"</c>: identities a and b linked at minute t by event <c>e{t}</c>.
    /// Example: <c>"crmId:A-ecid:D@1 ecid:D-email:x@2"</c>.
    /// </summary>
    private static IdentityGraph Graph(string links)
    {
        var graph = new IdentityGraph();
        foreach (var spec in links.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var (pair, minute) = (spec[..spec.LastIndexOf('@')], int.Parse(spec[(spec.LastIndexOf('@') + 1)..], CultureInfo.InvariantCulture));
            var dash = pair.IndexOf('-', pair.IndexOf(':'));
            Assert.True(graph.Link(K(pair[..dash]), K(pair[(dash + 1)..]), At(minute), $"e{minute}"), $"{spec} was linked twice");
        }
        return graph;
    }

    private static string ShowLinks(IEnumerable<IdentityLink> links) =>
        string.Join(" ", links.Select(l => $"{l.From}-{l.To}@{l.SourceEventId}").Order(StringComparer.Ordinal));

    private static string ShowParts(IEnumerable<IReadOnlySet<IdentityKey>> parts) =>
        string.Join(" | ", parts.Select(p => Show(p)).Order(StringComparer.Ordinal));

    // ---- links -----------------------------------------------------------------------------

    [Fact]
    public void Link_is_recorded_once_per_pair_and_the_first_source_is_kept()
    {
        var graph = new IdentityGraph();
        Assert.True(graph.Link(K("crmId:A"), K("ecid:D"), At(5), "e5"));
        Assert.False(graph.Link(K("ecid:D"), K("crmId:A"), At(7), "e7"));
        Assert.False(graph.Link(K("crmId:A"), K("ecid:D"), At(1), "e1"));

        var link = Assert.Single(graph.Links);
        Assert.Equal(new IdentityLink(K("crmId:A"), K("ecid:D"), At(5), "e5"), link);
        Assert.Equal(2, graph.Count);
    }

    [Fact]
    public void Relinking_an_existing_pair_earlier_moves_first_seen_back()
    {
        var graph = new IdentityGraph();
        graph.Link(K("crmId:A"), K("ecid:D"), At(5), "e5");
        graph.Link(K("crmId:A"), K("ecid:D"), At(1), "e1");
        Assert.Equal(At(1), graph.FirstSeen(K("crmId:A")));
        Assert.Equal(At(1), graph.FirstSeen(K("ecid:D")));
    }

    [Fact]
    public void A_link_dropped_by_the_limit_can_be_recorded_again_by_a_later_event()
    {
        var graph = Graph("crmId:A-ecid:1@1 crmId:A-ecid:2@2 crmId:A-ecid:3@3");
        graph.EnforceLimit(3, Rules);
        Assert.False(graph.Contains(K("ecid:1")));

        Assert.True(graph.Link(K("ecid:1"), K("crmId:A"), At(9), "e9"));
        Assert.Contains(graph.Links, l => l.SamePair(K("crmId:A"), K("ecid:1")) && l.SourceEventId == "e9");
    }

    [Fact]
    public void A_link_removed_by_RetainOnly_can_be_recorded_again()
    {
        var graph = Graph("crmId:A-ecid:D@1 crmId:A-email:x@2");
        graph.RetainOnly(Set("crmId:A email:x"));
        Assert.True(graph.Link(K("crmId:A"), K("ecid:D"), At(5), "e5"));
        Assert.Equal("crmId:A-ecid:D@e5 crmId:A-email:x@e2", ShowLinks(graph.Links));
    }

    [Fact]
    public void A_subgraph_records_each_pair_once_too()
    {
        var sub = Graph("crmId:A-ecid:D@1 ecid:D-email:x@2").Subgraph(Set("crmId:A ecid:D"));
        Assert.False(sub.Link(K("ecid:D"), K("crmId:A"), At(7), "e7"));
        sub.MergeFrom(Graph("ecid:D-crmId:A@0"));
        Assert.Equal("crmId:A-ecid:D@e1", ShowLinks(sub.Links));
    }

    [Fact]
    public void An_identity_is_never_linked_to_itself()
    {
        var graph = new IdentityGraph();
        Assert.False(graph.Link(K("crmId:A"), K("crmId:A"), At(1), "e1"));
        Assert.Empty(graph.Links);
        Assert.Equal(0, graph.Count);
    }

    [Fact]
    public void Add_keeps_the_earliest_first_seen_time()
    {
        var graph = new IdentityGraph();
        graph.Add(K("ecid:D"), At(5));
        graph.Add(K("ecid:D"), At(9));
        Assert.Equal(At(5), graph.FirstSeen(K("ecid:D")));
        graph.Add(K("ecid:D"), At(2));
        Assert.Equal(At(2), graph.FirstSeen(K("ecid:D")));
        Assert.True(graph.Contains(K("ecid:D")));
        Assert.False(graph.Contains(K("ecid:E")));
    }

    [Fact]
    public void Link_helpers_answer_about_either_end()
    {
        var link = new IdentityLink(K("crmId:A"), K("ecid:D"), At(1), "e1");
        Assert.True(link.Touches(K("crmId:A")));
        Assert.True(link.Touches(K("ecid:D")));
        Assert.False(link.Touches(K("ecid:E")));
        Assert.Equal(K("ecid:D"), link.Other(K("crmId:A")));
        Assert.Equal(K("crmId:A"), link.Other(K("ecid:D")));
        Assert.True(link.SamePair(K("ecid:D"), K("crmId:A")));
        Assert.False(link.SamePair(K("ecid:D"), K("ecid:E")));
    }

    [Fact]
    public void UniqueIdentities_lists_only_unique_namespaces_in_order()
    {
        var graph = Graph("ecid:D-email:x@1 ecid:D-crmId:A@2 crmId:A-phone:+1@3 ecid:D-ecid:E@4");
        Assert.Equal("crmId:A email:x phone:+1", Line(graph.UniqueIdentities(Rules)));
    }

    // ---- components, subgraphs, merging ---------------------------------------------------------------

    [Theory]
    [InlineData("crmId:A-ecid:D@1", "crmId:A ecid:D")]
    [InlineData("crmId:A-ecid:D@1 email:x-ecid:E@2", "crmId:A ecid:D | ecid:E email:x")]
    [InlineData("crmId:A-ecid:D@1 email:x-ecid:E@2 ecid:D-ecid:E@3", "crmId:A ecid:D ecid:E email:x")]
    [InlineData("ecid:1-ecid:2@1 ecid:3-ecid:4@2 ecid:5-ecid:6@3", "ecid:1 ecid:2 | ecid:3 ecid:4 | ecid:5 ecid:6")]
    public void Components_are_the_connected_parts(string links, string expected)
    {
        Assert.Equal(expected, ShowParts(Graph(links).Components()));
    }

    [Fact]
    public void Components_can_ignore_links()
    {
        var graph = Graph("crmId:A-ecid:D@1 ecid:D-email:x@2 crmId:A-loyaltyId:L@3");
        Assert.Equal("crmId:A loyaltyId:L | ecid:D email:x", ShowParts(graph.Components(l => l.SourceEventId == "e1")));
        Assert.Equal("crmId:A | ecid:D | email:x | loyaltyId:L", ShowParts(graph.Components(_ => true)));
    }

    [Fact]
    public void An_identity_without_links_is_a_component_of_its_own()
    {
        var graph = Graph("crmId:A-ecid:D@1");
        graph.Add(K("ecid:E"), At(2));
        Assert.Equal("crmId:A ecid:D | ecid:E", ShowParts(graph.Components()));
    }

    [Fact]
    public void Subgraph_holds_the_members_and_only_the_links_among_them()
    {
        var graph = Graph("crmId:A-ecid:D@1 ecid:D-email:x@2 email:x-ecid:E@3");
        var sub = graph.Subgraph(Set("ecid:D email:x ecid:E ecid:not-there"));

        Assert.Equal("ecid:D ecid:E email:x", Show(sub.Identities));
        Assert.Equal("ecid:D-email:x@e2 email:x-ecid:E@e3", ShowLinks(sub.Links));
        Assert.Equal(At(1), sub.FirstSeen(K("ecid:D")));
        // The original is untouched.
        Assert.Equal(4, graph.Count);
        Assert.Equal(3, graph.Links.Count);
    }

    [Fact]
    public void RetainOnly_drops_the_other_identities_and_their_links()
    {
        var graph = Graph("crmId:A-ecid:D@1 ecid:D-email:x@2 email:x-ecid:E@3");
        graph.RetainOnly(Set("crmId:A ecid:D"));
        Assert.Equal("crmId:A ecid:D", Show(graph.Identities));
        Assert.Equal("crmId:A-ecid:D@e1", ShowLinks(graph.Links));
    }

    [Fact]
    public void MergeFrom_adds_every_identity_and_link_once()
    {
        var mine = Graph("crmId:A-ecid:D@5 crmId:A-email:x@6");
        var theirs = Graph("ecid:D-crmId:A@2 ecid:D-ecid:E@3");
        theirs.Add(K("email:x"), At(1));

        mine.MergeFrom(theirs);

        Assert.Equal("crmId:A ecid:D ecid:E email:x", Show(mine.Identities));
        Assert.Equal("crmId:A-ecid:D@e5 crmId:A-email:x@e6 ecid:D-ecid:E@e3", ShowLinks(mine.Links));
        Assert.Equal(At(1), mine.FirstSeen(K("email:x")));
        Assert.Equal(At(2), mine.FirstSeen(K("crmId:A")));
        Assert.Single(mine.Components());
    }

    // ---- detach ----------------------------------------------------------------------------------

    public static TheoryData<string, string, bool, string, string, string> DetachCases => new()
    {
        // links, detach, carryAnonymous, keep, detached, others
        {
            "crmId:A-ecid:D@1 ecid:D-email:x@2", "ecid:D", true,
            "crmId:A", "ecid:D", "email:x"
        },
        {
            "crmId:A-ecid:D@1 ecid:D-email:x@2", "ecid:D", false,
            "crmId:A", "ecid:D", "email:x"
        },
        {
            "crmId:A-ecid:D@1 ecid:D-ecid:E@2 ecid:E-ecid:F@3 ecid:D-ecid:G@4", "ecid:D", true,
            "crmId:A", "ecid:D ecid:E ecid:F ecid:G", ""
        },
        {
            "crmId:A-ecid:D@1 ecid:D-ecid:E@2 ecid:E-ecid:F@3 ecid:D-ecid:G@4", "ecid:D", false,
            "crmId:A", "ecid:D", "ecid:E ecid:F | ecid:G"
        },
        {
            "crmId:A-ecid:D@1 ecid:D-email:x@2 ecid:D-ecid:E@3", "ecid:D", true,
            "crmId:A", "ecid:D ecid:E", "email:x"
        },
        {
            "ecid:D-email:x@1 ecid:D-loyaltyId:L@2", "ecid:D", true,
            "loyaltyId:L", "ecid:D", "email:x"
        },
        {
            "ecid:D-email:x@1 email:x-ecid:1@2 ecid:1-ecid:2@3 ecid:D-crmId:A@4", "ecid:D", true,
            "crmId:A", "ecid:D", "ecid:1 ecid:2 email:x"
        },
        {
            "crmId:A-ecid:D@1 crmId:A-email:x@2 ecid:D-email:x@3", "ecid:D", true,
            "crmId:A email:x", "ecid:D", ""
        },
        {
            "crmId:A-email:x@1 email:x-ecid:P@2 crmId:A-loyaltyId:L@3", "email:x", false,
            "crmId:A loyaltyId:L", "email:x", "ecid:P"
        },
        {
            "crmId:A-email:x@1 email:x-ecid:P@2 crmId:A-loyaltyId:L@3", "email:x", true,
            "crmId:A loyaltyId:L", "ecid:P email:x", ""
        },
        {
            "crmId:A-ecid:D@1 crmId:A-ecid:E@2", "crmId:A", true,
            "ecid:D", "crmId:A ecid:E", ""
        },
        {
            "ecid:D-ecid:E@1", "ecid:D", true,
            "ecid:E", "ecid:D", ""
        },
    };

    [Theory]
    [MemberData(nameof(DetachCases))]
    public void Detach_splits_the_graph_into_keep_detached_and_others(
        string links, string identity, bool carryAnonymous, string keep, string detached, string others)
    {
        var graph = Graph(links);
        var split = graph.Detach(K(identity), carryAnonymous, Rules);

        Assert.Equal(keep, Show(split.Keep));
        Assert.Equal(detached, Show(split.Detached));
        Assert.Equal(others, ShowParts(split.Others));
        // Detach only answers; the caller applies it.
        Assert.Equal(Graph(links).Count, graph.Count);
        Assert.Equal(Graph(links).Links.Count, graph.Links.Count);
    }

    [Fact]
    public void Shared_device_bridging_two_people_leaves_both_of_them_apart()
    {
        // Bob's crmId and Sarah's email were joined only through the laptop.
        var graph = Graph("crmId:BOB-ecid:laptop@1 ecid:laptop-email:sarah@2 email:sarah-ecid:phone@3");
        var split = graph.Detach(K("ecid:laptop"), carryAnonymous: true, Rules);

        Assert.Equal("crmId:BOB", Show(split.Keep));
        Assert.Equal("ecid:laptop", Show(split.Detached));
        Assert.Equal("ecid:phone email:sarah", ShowParts(split.Others));
        Assert.True(split.Keep.Concat(split.Detached).Concat(split.Others.SelectMany(o => o)).ToHashSet().SetEquals(graph.Identities));
    }

    [Fact]
    public void Detaching_the_only_identity_keeps_nothing()
    {
        var graph = new IdentityGraph();
        graph.Add(K("ecid:D"), At(1));
        var split = graph.Detach(K("ecid:D"), carryAnonymous: true, Rules);
        Assert.Empty(split.Keep);
        Assert.Equal("ecid:D", Show(split.Detached));
        Assert.Empty(split.Others);
    }

    [Fact]
    public void Detaching_an_identity_that_is_not_in_the_graph_throws()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Graph("crmId:A-ecid:D@1").Detach(K("ecid:X"), true, Rules));
        Assert.Contains("ecid:X is not in this graph", error.Message, StringComparison.Ordinal);
    }

    // ---- size limit ----------------------------------------------------------------------------

    [Fact]
    public void Graph_within_the_limit_is_left_alone()
    {
        var graph = Graph("crmId:A-ecid:1@1 crmId:A-ecid:2@2");
        var (dropped, spunOff) = graph.EnforceLimit(3, Rules);
        Assert.Empty(dropped);
        Assert.Empty(spunOff);
        Assert.Equal(3, graph.Count);
    }

    [Fact]
    public void Limit_3_drops_the_oldest_link_and_spins_off_the_part_that_fell_off()
    {
        var graph = Graph("crmId:A-ecid:2@2 crmId:A-ecid:1@1 crmId:A-ecid:3@3");
        var (dropped, spunOff) = graph.EnforceLimit(3, Rules);

        Assert.Equal("crmId:A-ecid:1@e1", ShowLinks(dropped));
        Assert.Equal("ecid:1", Show(Assert.Single(spunOff).Identities));
        Assert.Equal("crmId:A ecid:2 ecid:3", Show(graph.Identities));
        Assert.Equal("crmId:A-ecid:2@e2 crmId:A-ecid:3@e3", ShowLinks(graph.Links));
    }

    [Fact]
    public void The_part_with_the_strongest_identity_is_kept_even_when_it_is_smaller()
    {
        // The oldest link cuts the email off from three devices; the email is the person.
        var graph = Graph("email:x-ecid:1@1 ecid:1-ecid:2@2 ecid:1-ecid:3@3");
        var (dropped, spunOff) = graph.EnforceLimit(3, Rules);

        Assert.Equal("email:x-ecid:1@e1", ShowLinks(dropped));
        Assert.Equal("email:x", Show(graph.Identities));
        var part = Assert.Single(spunOff);
        Assert.Equal("ecid:1 ecid:2 ecid:3", Show(part.Identities));
    }

    [Fact]
    public void Spun_off_parts_keep_their_internal_links_and_first_seen_times()
    {
        var graph = Graph("ecid:1-ecid:2@1 crmId:A-email:x@3 email:x-ecid:1@2 ecid:2-ecid:3@5");
        // ecid:1-ecid:2 (minute 1) is the oldest; dropping it cuts {ecid:2, ecid:3} off.
        var (dropped, spunOff) = graph.EnforceLimit(4, Rules);

        Assert.Equal("ecid:1-ecid:2@e1", ShowLinks(dropped));
        var part = Assert.Single(spunOff);
        Assert.Equal("ecid:2-ecid:3@e5", ShowLinks(part.Links));
        Assert.Equal(At(1), part.FirstSeen(K("ecid:2")));
        Assert.Equal("crmId:A ecid:1 email:x", Show(graph.Identities));
        Assert.Equal("crmId:A-email:x@e3 email:x-ecid:1@e2", ShowLinks(graph.Links));
    }

    [Fact]
    public void Dropping_a_link_of_a_cycle_does_not_disconnect_and_the_next_oldest_goes()
    {
        // A-1 (1), 1-2 (2), 2-A (3), A-3 (4): dropping A-1 leaves 1 reachable through 2.
        var graph = Graph("crmId:A-ecid:1@1 ecid:1-ecid:2@2 ecid:2-crmId:A@3 crmId:A-ecid:3@4");
        var (dropped, spunOff) = graph.EnforceLimit(3, Rules);

        Assert.Equal(["e1", "e2"], dropped.Select(l => l.SourceEventId));
        Assert.Equal("ecid:1", Show(Assert.Single(spunOff).Identities));
        Assert.Equal("crmId:A ecid:2 ecid:3", Show(graph.Identities));
    }

    [Fact]
    public void Limit_5_drops_oldest_links_first_until_the_graph_fits()
    {
        // Sarah (crmId) with email, loyalty, and five devices seen over time; the oldest devices go first.
        var graph = Graph(
            "crmId:S-ecid:old1@1 crmId:S-ecid:old2@2 crmId:S-email:s@3 crmId:S-loyaltyId:L@4 " +
            "email:s-ecid:new1@5 email:s-ecid:new2@6 crmId:S-ecid:old3@0");
        Assert.Equal(8, graph.Count);

        var (dropped, spunOff) = graph.EnforceLimit(5, Rules);

        Assert.Equal(["e0", "e1", "e2"], dropped.Select(l => l.SourceEventId));
        Assert.Equal("ecid:old1 | ecid:old2 | ecid:old3", ShowParts(spunOff.Select(g => (IReadOnlySet<IdentityKey>)g.Identities.ToHashSet())));
        Assert.Equal("crmId:S ecid:new1 ecid:new2 email:s loyaltyId:L", Show(graph.Identities));
        Assert.Equal(4, graph.Links.Count);
    }

    [Fact]
    public void Limit_5_keeps_the_strongest_part_when_a_bridge_link_is_the_oldest()
    {
        // Two halves joined by the oldest link: the half with crmId stays, the other half leaves whole.
        var graph = Graph(
            "email:x-ecid:b@0 crmId:A-ecid:a1@1 ecid:a1-ecid:a2@2 " +
            "email:x-ecid:x1@3 ecid:x1-ecid:x2@4 crmId:A-ecid:b@5");
        var (dropped, spunOff) = graph.EnforceLimit(5, Rules);

        Assert.Equal("email:x-ecid:b@e0", ShowLinks(dropped));
        Assert.Equal("crmId:A ecid:a1 ecid:a2 ecid:b", Show(graph.Identities));
        var part = Assert.Single(spunOff);
        Assert.Equal("ecid:x1 ecid:x2 email:x", Show(part.Identities));
        Assert.Equal("ecid:x1-ecid:x2@e4 email:x-ecid:x1@e3", ShowLinks(part.Links));
    }

    [Fact]
    public void Spun_off_parts_are_themselves_within_the_limit()
    {
        // The oldest link cuts the email off from a chain of four devices: that chain is over the limit too.
        var graph = Graph("email:x-ecid:1@1 ecid:1-ecid:2@2 ecid:2-ecid:3@3 ecid:3-ecid:4@4");
        var (dropped, spunOff) = graph.EnforceLimit(3, Rules);

        Assert.Equal("email:x", Show(graph.Identities));
        Assert.All(spunOff, part => Assert.InRange(part.Count, 1, 3));
        Assert.Equal(5, graph.Count + spunOff.Sum(p => p.Count));
        Assert.Equal(["e1", "e2"], dropped.Select(l => l.SourceEventId));
        Assert.Equal("ecid:1 | ecid:2 ecid:3 ecid:4", ShowParts(spunOff.Select(g => (IReadOnlySet<IdentityKey>)g.Identities.ToHashSet())));
    }
}
