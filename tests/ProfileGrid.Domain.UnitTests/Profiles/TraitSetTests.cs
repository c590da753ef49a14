using static ProfileGrid.Domain.UnitTests.Support.Ids;

namespace ProfileGrid.Domain.UnitTests.Profiles;

public class TraitSetTests
{
    private static readonly IdentityKey Email = K("email:sarah@luma.example");
    private static readonly IdentityKey Device = K("ecid:phone");
    private static readonly IdentityKey Crm = K("crmId:S");

    /// <summary>One observation: traits as a JSON object, when, through which identity.</summary>
    private sealed record Observation(string Json, int Minute, IdentityKey Source)
    {
        public override string ToString() => $"{Json}@{Minute}/{Source}";
    }

    private static TraitSet Apply(IEnumerable<Observation> observations)
    {
        var traits = new TraitSet();
        foreach (var o in observations) traits.Upsert(JsonNode.Parse(o.Json)!.AsObject(), At(o.Minute), o.Source);
        return traits;
    }

    private static IEnumerable<List<T>> Permutations<T>(IReadOnlyList<T> items)
    {
        if (items.Count <= 1) { yield return [.. items]; yield break; }
        for (var i = 0; i < items.Count; i++)
        {
            var rest = items.Where((_, n) => n != i).ToList();
            foreach (var tail in Permutations(rest)) yield return [items[i], .. tail];
        }
    }

    /// <summary>Everything a trait set holds, removal markers and sources included.</summary>
    private static string Snapshot(TraitSet traits) => string.Join(" ",
        traits.Values.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => $"{kv.Key}={kv.Value.Json ?? "<removed>"}@{kv.Value.ObservedAt:HH:mm}/{kv.Value.Source}"));

    [Fact]
    public void The_json_text_kept_for_reads_follows_every_change_and_ignores_older_observations()
    {
        var traits = Apply([new("""{"tier": "plus", "city": "Lyon"}""", 10, Email)]);
        var first = traits.ToJsonText();
        Assert.Same(first, traits.ToJsonText());

        traits.Upsert(JsonNode.Parse("""{"tier": "basic"}""")!.AsObject(), At(5), Crm);
        Assert.Same(first, traits.ToJsonText());

        traits.Upsert(JsonNode.Parse("""{"tier": "gold"}""")!.AsObject(), At(11), Crm);
        Assert.Equal("""{"city":"Lyon","tier":"gold"}""", traits.ToJsonText());

        traits.MergeFrom(Apply([new("""{"city": null}""", 12, Device)]));
        Assert.Equal("""{"tier":"gold"}""", traits.ToJsonText());
        Assert.Equal(traits.ToJson().ToJsonString(), traits.ToJsonText());
    }

    public static TheoryData<string> ObservationSets => new()
    {
        // newest wins, whatever the order
        """{"tier":"basic"}@1 {"tier":"plus"}@3 {"tier":"gold"}@2""",
        // a removal in the middle of the history, and a value after it
        """{"city":"Oakland"}@1 {"city":null}@2 {"city":"Berkeley"}@3 {"tier":"plus"}@1""",
        // a removal that is the newest: nothing older resurrects the attribute
        """{"city":"Oakland","tier":"plus"}@1 {"city":null}@4 {"city":"Berkeley"}@3 {"tier":"gold"}@2""",
        // equal times: one deterministic winner
        """{"size":"M"}@5 {"size":"L"}@5 {"size":null}@5 {"size":"S"}@1""",
        // equal times and equal values through different identities
        """{"tier":"plus"}@5 {"tier":"plus"}@5! {"tier":"basic"}@4""",
        // nested values
        """{"address":{"city":"Oakland","zip":"94607"}}@1 {"address":{"city":"Berkeley"}}@2 {"sizes":[1,2]}@2""",
    };

    /// <summary>Parses <c>{json}@minute</c>; a trailing <c>!</c> means through the device, else through the email.</summary>
    private static List<Observation> Parse(string spec) =>
        spec.Split(' ').Select(part =>
        {
            var device = part.EndsWith('!');
            var text = device ? part[..^1] : part;
            var at = text.LastIndexOf('@');
            return new Observation(text[..at], int.Parse(text[(at + 1)..], CultureInfo.InvariantCulture), device ? Device : Email);
        }).ToList();

    [Theory]
    [MemberData(nameof(ObservationSets))]
    public void Every_arrival_order_gives_the_same_traits(string spec)
    {
        var observations = Parse(spec);
        var expectedJson = Apply(observations).ToJson().ToJsonString();
        var expected = Snapshot(Apply(observations));

        foreach (var order in Permutations(observations))
        {
            var traits = Apply(order);
            Assert.Equal(expectedJson, traits.ToJson().ToJsonString());
            Assert.Equal(expected, Snapshot(traits));
        }
    }

    [Theory]
    [MemberData(nameof(ObservationSets))]
    public void Merging_trait_sets_in_any_order_gives_the_same_traits(string spec)
    {
        var observations = Parse(spec);
        var expected = Snapshot(Apply(observations));
        var parts = observations.Select(o => Apply([o])).ToList();

        foreach (var order in Permutations(parts))
        {
            var merged = new TraitSet();
            foreach (var part in order) merged.MergeFrom(part);
            Assert.Equal(expected, Snapshot(merged));
        }
    }

    [Fact]
    public void Newest_observation_wins()
    {
        var traits = Apply(Parse("""{"tier":"plus","city":"Oakland"}@2 {"tier":"basic","city":"Berkeley"}@1 {"city":"Fremont"}@3"""));
        Assert.Equal("""{"city":"Fremont","tier":"plus"}""", traits.ToJson().ToJsonString());
    }

    [Fact]
    public void Null_removes_the_attribute_as_of_its_time()
    {
        var traits = Apply(Parse("""{"tier":"plus","city":"Oakland"}@1 {"tier":null}@2"""));
        Assert.Equal("""{"city":"Oakland"}""", traits.ToJson().ToJsonString());
        Assert.Null(traits.Values["tier"].Json);
        Assert.Equal(At(2), traits.Values["tier"].ObservedAt);
    }

    [Fact]
    public void An_older_value_does_not_resurrect_a_removed_attribute()
    {
        var traits = Apply(Parse("""{"tier":"plus"}@1 {"tier":null}@3"""));
        var changed = traits.Upsert(new JsonObject { ["tier"] = "gold" }, At(2), Email);
        Assert.Empty(changed);
        Assert.False(traits.Set("tier", new TraitValue("\"gold\"", At(2), Email)));
        Assert.Equal("{}", traits.ToJson().ToJsonString());
    }

    [Fact]
    public void A_newer_value_after_a_removal_brings_the_attribute_back()
    {
        var traits = Apply(Parse("""{"tier":"plus"}@1 {"tier":null}@3 {"tier":"gold"}@4"""));
        Assert.Equal("""{"tier":"gold"}""", traits.ToJson().ToJsonString());
    }

    [Theory]
    [InlineData("\"L\"", "\"M\"", "\"M\"")]
    [InlineData("\"M\"", "\"L\"", "\"M\"")]
    [InlineData(null, "\"M\"", "\"M\"")]
    [InlineData("\"M\"", null, "\"M\"")]
    [InlineData("1", "2", "2")]
    public void Equal_times_resolve_to_the_same_winner_in_either_order(string? first, string? second, string winner)
    {
        var traits = new TraitSet();
        traits.Set("size", new TraitValue(first, At(5), Email));
        traits.Set("size", new TraitValue(second, At(5), Email));
        Assert.Equal(winner, traits.Values["size"].Json);
    }

    [Fact]
    public void Equal_times_and_values_through_two_identities_keep_one_source_whatever_the_order()
    {
        var viaEmail = new TraitValue("\"plus\"", At(5), Email);
        var viaDevice = new TraitValue("\"plus\"", At(5), Device);

        var one = new TraitSet();
        one.Set("tier", viaEmail);
        one.Set("tier", viaDevice);
        var other = new TraitSet();
        other.Set("tier", viaDevice);
        other.Set("tier", viaEmail);

        Assert.Equal(one.Values["tier"].Source, other.Values["tier"].Source);
    }

    [Fact]
    public void Equal_times_compare_instants_not_offsets()
    {
        var traits = new TraitSet();
        traits.Set("tier", new TraitValue("\"plus\"", At(5), Email));
        Assert.False(traits.Set("tier", new TraitValue("\"basic\"", At(5).ToOffset(TimeSpan.FromHours(2)), Email)));
        Assert.Equal("\"plus\"", traits.Values["tier"].Json);
    }

    [Fact]
    public void Upsert_returns_the_names_whose_observation_was_applied()
    {
        var traits = new TraitSet();
        var first = traits.Upsert(JsonNode.Parse("""{"city":"Oakland","tier":"plus"}""")!.AsObject(), At(2), Email);
        var older = traits.Upsert(JsonNode.Parse("""{"city":"Berkeley","tier":"basic"}""")!.AsObject(), At(1), Email);
        var mixed = traits.Upsert(JsonNode.Parse("""{"tier":null,"zip":"94607"}""")!.AsObject(), At(3), Email);

        Assert.Equal(["city", "tier"], first.Order(StringComparer.Ordinal));
        Assert.Empty(older);
        Assert.Equal(["tier", "zip"], mixed.Order(StringComparer.Ordinal));
        Assert.Equal("""{"city":"Oakland","zip":"94607"}""", traits.ToJson().ToJsonString());
    }

    [Fact]
    public void Where_splits_the_traits_by_the_identity_they_were_set_through()
    {
        var traits = new TraitSet();
        traits.Upsert(new JsonObject { ["tier"] = "plus", ["city"] = "Oakland" }, At(1), Crm);
        traits.Upsert(new JsonObject { ["lastScreen"] = "cart", ["city"] = null }, At(2), Device);
        traits.Upsert(new JsonObject { ["newsletter"] = true }, At(3), Email);

        var fromDevice = traits.Where(source => source == Device);
        var rest = traits.Where(source => source != Device);

        Assert.Equal("""{"lastScreen":"cart"}""", fromDevice.ToJson().ToJsonString());
        Assert.Equal(["city", "lastScreen"], fromDevice.Values.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("""{"newsletter":true,"tier":"plus"}""", rest.ToJson().ToJsonString());
        Assert.All(rest.Values.Values, v => Assert.NotEqual(Device, v.Source));

        // The two parts together are the whole.
        var whole = new TraitSet();
        whole.MergeFrom(fromDevice);
        whole.MergeFrom(rest);
        Assert.Equal(Snapshot(traits), Snapshot(whole));
        // The original is untouched.
        Assert.Equal(4, traits.Values.Count);
    }

    [Fact]
    public void ToJson_lists_attributes_by_name_and_keeps_nested_values()
    {
        var traits = new TraitSet();
        traits.Upsert(JsonNode.Parse("""{"zip":"94607","address":{"city":"Oakland"},"sizes":["S","M"],"vip":false,"n":1.5}""")!.AsObject(), At(1), Email);
        Assert.Equal("""{"address":{"city":"Oakland"},"n":1.5,"sizes":["S","M"],"vip":false,"zip":"94607"}""", traits.ToJson().ToJsonString());
    }
}
