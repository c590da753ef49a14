using System.Globalization;
using System.Text.Json.Nodes;
using ProfileGrid.GraphQL.Identity;
using ProfileGrid.GraphQL.Scalars;
using ProfileGrid.Ingestion;

namespace ProfileGrid.GraphQL.Ingestion;

public sealed class EventInputType : InputObjectGraphType<RawEvent>
{
    public EventInputType()
    {
        Name = "EventInput";
        Description = "One event: a fact about a person, stored as it came.";
        Field<NonNullGraphType<IdGraphType>>("id").Description("Unique for ever: re-sending an id changes nothing.");
        Field<NonNullGraphType<StringGraphType>>("type").Description("A dotted name such as commerce.purchase.");
        Field<NonNullGraphType<IsoDateTimeGraphType>>("timestamp");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<IdentityInputType>>>>("identities");
        Field<StringGraphType>("channel");
        Field<StringGraphType>("campaign");
        Field<FloatGraphType>("revenue");
        Field<JsonGraphType>("attributes").Description("A JSON object.");
    }

    public override object ParseDictionary(IDictionary<string, object?> value)
    {
        object? Get(string name) => value.TryGetValue(name, out var v) ? v : null;
        var attributes = Get("attributes") as JsonNode;
        var raw = new RawEvent
        {
            Id = Convert.ToString(Get("id"), CultureInfo.InvariantCulture),
            Type = Get("type") as string,
            Timestamp = Get("timestamp") is DateTimeOffset ts ? ts.ToString("O", CultureInfo.InvariantCulture) : null,
            Identities = [.. (Get("identities") as IEnumerable<object?> ?? []).OfType<RawIdentity>()],
            Channel = Get("channel") as string,
            Campaign = Get("campaign") as string,
            Revenue = Get("revenue") is { } revenue ? Convert.ToDouble(revenue, CultureInfo.InvariantCulture) : null,
            AttributesJson = attributes?.ToJsonString(),
        };
        return raw with { SizeBytes = EventSize.Of(raw) };
    }
}

/// <summary>The size of an event as JSON, for the size limit, whichever door it came through.</summary>
public static class EventSize
{
    public static int Of(RawEvent e) => System.Text.Encoding.UTF8.GetByteCount(JsonSerializer.Serialize(new
    {
        e.Id, e.Type, e.Timestamp, e.Channel, e.Campaign, e.Revenue,
        identities = e.Identities.Select(i => new { i.Namespace, i.Id }),
    })) + (e.AttributesJson is null ? 0 : System.Text.Encoding.UTF8.GetByteCount(e.AttributesJson) + 14);
}

public sealed class IngestResultType : ObjectGraphType<IngestResult>
{
    public IngestResultType()
    {
        Name = "IngestResult";
        Field(x => x.Accepted).Description("Events stored and applied.");
        Field(x => x.Duplicates).Description("Events whose id was seen before: they changed nothing.");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<RejectedEventType>>>>("rejected").Resolve(c => c.Source.Rejected);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<IngestWarningType>>>>("warnings")
            .Description("Limits hit and links not applied for accepted events.")
            .Resolve(c => c.Source.Warnings);
    }
}

public sealed class RejectedEventType : ObjectGraphType<RejectedEvent>
{
    public RejectedEventType()
    {
        Name = "RejectedEvent";
        Field(x => x.Index).Description("Position in the request, from 0.");
        Field(x => x.EventId, nullable: true);
        Field(x => x.Reason).Description("The field and the rule it broke.");
    }
}

public sealed class IngestWarningType : ObjectGraphType<IngestWarning>
{
    public IngestWarningType()
    {
        Name = "IngestWarning";
        Field(x => x.Index);
        Field(x => x.EventId);
        Field(x => x.Message);
    }
}
