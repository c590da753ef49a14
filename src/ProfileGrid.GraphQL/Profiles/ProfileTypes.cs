using System.Text.Json.Nodes;
using ProfileGrid.GraphQL.Identity;
using ProfileGrid.GraphQL.Scalars;
using ProfileGrid.GraphQL.Segments;

namespace ProfileGrid.GraphQL.Profiles;

public sealed class ProfileType : ObjectGraphType<ProfileView>
{
    public ProfileType()
    {
        Name = "Profile";
        Description = "One stitched person.";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Id);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<IdentityType>>>>("identities")
            .Description("Every identity in the person's graph, strongest first.")
            .Resolve(c => c.Source.Identities);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<IdentityLinkType>>>>("links")
            .Description("The links that hold the graph together: who linked what, when, from which event.")
            .Resolve(c => c.Source.Links);
        Field<NonNullGraphType<JsonGraphType>>("traits")
            .Description("Attributes; for each one the newest observation wins.")
            .Resolve(c => JsonSerializer.Deserialize<JsonElement>(c.Source.TraitsJson));
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<EventType>>>>("events")
            .Description("The newest events first, optionally of one type.")
            .Argument<IntGraphType>("last", "How many events, newest first (default 50).")
            .Argument<StringGraphType>("type", "Only events of this type.")
            .Resolve(c =>
            {
                IEnumerable<CustomerEvent> events = c.Source.Events;
                if (c.GetArgument<string?>("type") is { } type) events = events.Where(e => e.Type == type);
                if (c.GetArgument<int?>("last") is { } last) events = events.Take(Math.Max(0, last));
                return events;
            });
        Field<NonNullGraphType<ProfileStatsType>>("stats").Resolve(c => c.Source.Stats);
        Field<NonNullGraphType<ProfileLimitsType>>("limits")
            .Description("What the profile's limits have left out, so nothing is silently gone.")
            .Resolve(c => c.Source);
        this.AddProfileSegments();
    }
}

public sealed class EventType : ObjectGraphType<CustomerEvent>
{
    public EventType()
    {
        Name = "Event";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Id);
        Field(x => x.Type);
        Field<NonNullGraphType<IsoDateTimeGraphType>>("timestamp").Resolve(c => c.Source.Timestamp);
        Field(x => x.Channel, nullable: true);
        Field(x => x.Campaign, nullable: true);
        Field(x => x.Revenue, nullable: true);
        Field<JsonGraphType>("attributes").Resolve(c => c.Source.AttributesJson is { } json ? JsonSerializer.Deserialize<JsonElement>(json) : null);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<IdentityType>>>>("identities")
            .Description("The identities the event carried.")
            .Resolve(c => c.Source.Identities);
    }
}

public sealed class ProfileStatsType : ObjectGraphType<ProfileStatsView>
{
    public ProfileStatsType()
    {
        Name = "ProfileStats";
        Description = "Computed attributes over every event ever applied to the person.";
        Field<NonNullGraphType<IntGraphType>>("eventCount").Resolve(c => (int)c.Source.EventCount);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<EventTypeCountType>>>>("eventCountsByType").Resolve(c => c.Source.CountsByType);
        Field<IsoDateTimeGraphType>("firstSeen").Resolve(c => c.Source.FirstSeen);
        Field<IsoDateTimeGraphType>("lastSeen").Resolve(c => c.Source.LastSeen);
        Field<NonNullGraphType<FloatGraphType>>("lifetimeRevenue").Resolve(c => c.Source.LifetimeRevenue);
        Field<NonNullGraphType<IntGraphType>>("purchaseCount").Resolve(c => (int)c.Source.PurchaseCount);
        Field<IsoDateTimeGraphType>("lastPurchaseAt").Resolve(c => c.Source.LastPurchaseAt);
        Field<StringGraphType>("mostEngagedChannel")
            .Description("The channel with the most events in the last 90 days.")
            .Resolve(c => c.Source.MostEngagedChannel);
    }
}

public sealed class EventTypeCountType : ObjectGraphType<KeyValuePair<string, long>>
{
    public EventTypeCountType()
    {
        Name = "EventTypeCount";
        Field<NonNullGraphType<StringGraphType>>("type").Resolve(c => c.Source.Key);
        Field<NonNullGraphType<IntGraphType>>("count").Resolve(c => (int)c.Source.Value);
    }
}

public sealed class ProfileLimitsType : ObjectGraphType<ProfileView>
{
    public ProfileLimitsType()
    {
        Name = "ProfileLimits";
        Field<NonNullGraphType<IntGraphType>>("eventsKept").Description("Events on the timeline now.").Resolve(c => c.Source.EventsKept);
        Field<NonNullGraphType<IntGraphType>>("eventsDropped")
            .Description("Events that fell off the timeline (ProfileGrid:Profiles:MaxEventsPerProfile); still counted in stats.")
            .Resolve(c => (int)c.Source.EventsDropped);
        Field<NonNullGraphType<IntGraphType>>("linksDropped")
            .Description("Identity links dropped by the graph size limit (ProfileGrid:Identity:MaxIdentitiesPerGraph).")
            .Resolve(c => (int)c.Source.LinksDropped);
    }
}
