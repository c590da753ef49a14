using System.Text.Json.Nodes;
using GraphQLParser.AST;
using Microsoft.Extensions.DependencyInjection;
using ProfileGrid.GraphQL.Identity;
using ProfileGrid.GraphQL.Ingestion;
using ProfileGrid.GraphQL.Profiles;
using ProfileGrid.GraphQL.Scalars;
using ProfileGrid.GraphQL.Segments;

namespace ProfileGrid.GraphQL;

/// <summary>
/// The served schema. <c>schema/profilegrid.graphql</c> is the contract; a test asserts that this
/// schema, printed, equals it.
/// </summary>
public sealed class ProfileGridSchema : Schema
{
    public ProfileGridSchema(IServiceProvider services) : base(services)
    {
        Query = services.GetRequiredService<QueryType>();
        Mutation = services.GetRequiredService<MutationType>();
        Subscription = services.GetRequiredService<Segments.SubscriptionType>();
    }
}

public sealed class QueryType : ObjectGraphType
{
    public QueryType()
    {
        Name = "Query";
        Field<ProfileType>("profile")
            .Description("The person an identity belongs to (the identity is normalised as at ingestion), or null.")
            .Argument<NonNullGraphType<StringGraphType>>("namespace")
            .Argument<NonNullGraphType<StringGraphType>>("id")
            .ResolveAsync(async c =>
            {
                var gateway = c.RequestServices!.GetRequiredService<ProfileGridGateway>();
                var identity = Arguments.Identity(gateway.Rules, c);
                return await gateway.Lookup(identity, Arguments.ViewRequest(c), c.CancellationToken);
            });
        Field<ProfileType>("profileById")
            .Description("A profile by id; an id that was merged away finds the surviving profile.")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async c =>
            {
                var gateway = c.RequestServices!.GetRequiredService<ProfileGridGateway>();
                return await gateway.ById(c.GetArgument<string>("id"), Arguments.ViewRequest(c), c.CancellationToken);
            });
        this.AddSegmentQueries();
    }
}

public sealed class MutationType : ObjectGraphType
{
    public MutationType()
    {
        Name = "Mutation";
        Field<NonNullGraphType<IngestResultType>>("ingestEvents")
            .Description("Ingests events; good ones are accepted even when others are rejected. Idempotent by event id.")
            .Argument<NonNullGraphType<ListGraphType<NonNullGraphType<EventInputType>>>>("events")
            .ResolveAsync(async c =>
            {
                var gateway = c.RequestServices!.GetRequiredService<ProfileGridGateway>();
                var events = c.GetArgument<List<RawEvent>>("events");
                return await gateway.Ingest([.. events], c.CancellationToken);
            });
        Field<NonNullGraphType<ProfileType>>("setTraits")
            .Description("Upserts attributes of the person holding an identity; per attribute the newest observedAt wins.")
            .Argument<NonNullGraphType<StringGraphType>>("namespace")
            .Argument<NonNullGraphType<StringGraphType>>("id")
            .Argument<NonNullGraphType<JsonGraphType>>("traits")
            .Argument<IsoDateTimeGraphType>("observedAt")
            .ResolveAsync(async c =>
            {
                var gateway = c.RequestServices!.GetRequiredService<ProfileGridGateway>();
                var identity = Arguments.Identity(gateway.Rules, c);
                if (c.GetArgument<object?>("traits") is not JsonObject traits)
                    throw new ExecutionError("traits: must be a JSON object") { Code = "BAD_USER_INPUT" };
                var observedAt = c.GetArgument<DateTimeOffset?>("observedAt")
                    ?? c.RequestServices!.GetRequiredService<TimeProvider>().GetUtcNow();
                string profileId;
                try
                {
                    profileId = await gateway.SetTraits(identity, traits.ToJsonString(), observedAt, c.CancellationToken);
                }
                catch (ArgumentException e)
                {
                    // The storage refused the observation (it names the field and the rule); nothing was applied.
                    throw new ExecutionError(e.Message) { Code = "BAD_USER_INPUT" };
                }
                return await gateway.ById(profileId, Arguments.ViewRequest(c), c.CancellationToken);
            });
        Field<ProfileType>("unlinkIdentity")
            .Description("Removes an identity's links; both sides are re-derived from their own facts. Returns the identity's profile afterwards.")
            .Argument<NonNullGraphType<StringGraphType>>("namespace")
            .Argument<NonNullGraphType<StringGraphType>>("id")
            .ResolveAsync(async c =>
            {
                var gateway = c.RequestServices!.GetRequiredService<ProfileGridGateway>();
                var identity = Arguments.Identity(gateway.Rules, c);
                var profileId = await gateway.Unlink(identity, c.CancellationToken);
                return profileId is null ? null : await gateway.ById(profileId, Arguments.ViewRequest(c), c.CancellationToken);
            });
        this.AddSegmentMutations();
    }
}

internal static class Arguments
{
    /// <summary>Normalises the (namespace, id) arguments, or fails with the rule that was broken.</summary>
    public static IdentityKey Identity(IdentityRules rules, IResolveFieldContext c) =>
        rules.TryNormalize(c.GetArgument<string>("namespace"), c.GetArgument<string>("id"), out var key, out var error)
            ? key
            : throw new ExecutionError(error) { Code = "BAD_USER_INPUT" };

    /// <summary>
    /// Fetches only the events the query selects: with one <c>events</c> selection its arguments go to the
    /// grain; with several, every kept event is fetched and each selection filters its own.
    /// </summary>
    public static ProfileViewRequest ViewRequest(IResolveFieldContext c)
    {
        var selections = c.FieldAst.SelectionSet?.Selections.OfType<GraphQLField>()
            .Where(f => f.Name.StringValue == "events").ToList() ?? [];
        if (selections.Count == 0) return new ProfileViewRequest(LastEvents: 0);
        if (selections.Count > 1) return new ProfileViewRequest(LastEvents: int.MaxValue);
        var field = selections[0];
        int? last = null;
        string? type = null;
        foreach (var argument in field.Arguments?.Items ?? [])
        {
            var value = argument.Value is GraphQLVariable variable
                ? c.Variables?.ValueFor(variable.Name.StringValue, out var v) == true ? v.Value : null
                : argument.Value switch
                {
                    GraphQLIntValue i => int.Parse(i.Value.Span, provider: System.Globalization.CultureInfo.InvariantCulture),
                    GraphQLStringValue s => s.Value.ToString(),
                    _ => null,
                };
            if (argument.Name.StringValue == "last") last = value is int n ? n : null;
            if (argument.Name.StringValue == "type") type = value as string;
        }
        return new ProfileViewRequest(last, type);
    }
}
