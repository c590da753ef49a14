using System.Text;
using Microsoft.Extensions.DependencyInjection;
using ProfileGrid.GraphQL.Profiles;
using ProfileGrid.GraphQL.Scalars;
using ProfileGrid.Segments;

namespace ProfileGrid.GraphQL.Segments;

public sealed class SegmentType : ObjectGraphType<SegmentInfo>
{
    public SegmentType()
    {
        Name = "Segment";
        Description = "A live segment: who is in it is kept up to date on every change, with time windows and absences flipping by themselves.";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Definition.Id);
        Field<NonNullGraphType<StringGraphType>>("name").Resolve(c => c.Source.Definition.Name);
        Field<NonNullGraphType<StringGraphType>>("expression").Description("The definition in the segment language, as written.").Resolve(c => c.Source.Definition.Expression);
        Field<NonNullGraphType<SegmentEvaluationType>>("evaluation")
            .Description("Progress of evaluating the current definition over every existing profile.")
            .Resolve(c => c.Source.Evaluation);
        Field<NonNullGraphType<IntGraphType>>("size")
            .Description("Exact number of members now.")
            .ResolveAsync(async c => (int)await Gateway(c).Size(c.Source.Definition.Id, c.CancellationToken));
        Field<NonNullGraphType<SegmentMemberConnectionType>>("members")
            .Description("The members in profile id order, a page at a time (Relay connection).")
            .Argument<IntGraphType>("first", $"Page size (default 20, at most {SegmentGateway.MaxPageSize}).")
            .Argument<StringGraphType>("after", "The endCursor of the previous page.")
            .ResolveAsync(async c =>
            {
                var first = c.GetArgument<int?>("first") ?? 20;
                if (first < 0 || first > SegmentGateway.MaxPageSize)
                    throw new ExecutionError($"first: must be between 0 and {SegmentGateway.MaxPageSize}") { Code = "BAD_USER_INPUT" };
                var after = c.GetArgument<string?>("after") is { } cursor ? Cursors.Decode(cursor) : null;
                return await Gateway(c).Members(c.Source.Definition.Id, after, first, c.CancellationToken);
            });
    }

    internal static SegmentGateway Gateway(IResolveFieldContext c) => c.RequestServices!.GetRequiredService<SegmentGateway>();
}

public sealed class SegmentEvaluationType : ObjectGraphType<SegmentEvaluation>
{
    public SegmentEvaluationType()
    {
        Name = "SegmentEvaluation";
        Description = "Batch evaluation of a definition over every existing profile, in memory or not.";
        Field<NonNullGraphType<SegmentEvaluationStatusType>>("status").Resolve(c => c.Source.Status);
        Field<NonNullGraphType<IntGraphType>>("evaluated").Description("Profiles evaluated so far.").Resolve(c => (int)c.Source.Evaluated);
        Field<NonNullGraphType<IntGraphType>>("total").Description("Profiles that existed when the evaluation started (or evaluated, if more).").Resolve(c => (int)c.Source.Total);
    }
}

public sealed class SegmentEvaluationStatusType : EnumerationGraphType<SegmentEvaluationStatus>
{
    public SegmentEvaluationStatusType()
    {
        Name = "SegmentEvaluationStatus";
    }
}

public sealed class SegmentMembershipStatusType : EnumerationGraphType<MembershipStatus>
{
    public SegmentMembershipStatusType()
    {
        Name = "SegmentMembershipStatus";
        Description = "REALIZED: in the segment now. EXITED: was in it and left.";
    }
}

public sealed class SegmentMemberConnectionType : ObjectGraphType<ProfileIdPage>
{
    public SegmentMemberConnectionType()
    {
        Name = "SegmentMemberConnection";
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<SegmentMemberEdgeType>>>>("edges").Resolve(c => c.Source.ProfileIds);
        Field<NonNullGraphType<PageInfoType>>("pageInfo").Resolve(c => c.Source);
    }
}

public sealed class SegmentMemberEdgeType : ObjectGraphType<string>
{
    public SegmentMemberEdgeType()
    {
        Name = "SegmentMemberEdge";
        Field<NonNullGraphType<StringGraphType>>("cursor").Resolve(c => Cursors.Encode(c.Source));
        Field<ProfileType>("node")
            .Description("The member; null only if it was merged away since the page was read.")
            .ResolveAsync(async c => await c.RequestServices!.GetRequiredService<ProfileGridGateway>().ById(c.Source, Arguments.ViewRequest(c), c.CancellationToken));
    }
}

public sealed class PageInfoType : ObjectGraphType<ProfileIdPage>
{
    public PageInfoType()
    {
        Name = "PageInfo";
        Field<NonNullGraphType<BooleanGraphType>>("hasNextPage").Resolve(c => c.Source.HasMore);
        Field<StringGraphType>("endCursor").Resolve(c => c.Source.ProfileIds.IsDefaultOrEmpty ? null : Cursors.Encode(c.Source.ProfileIds[^1]));
    }
}

public sealed class ProfileSegmentType : ObjectGraphType<(SegmentMembership Membership, SegmentInfo Segment)>
{
    public ProfileSegmentType()
    {
        Name = "ProfileSegment";
        Description = "A segment the person is in, or was in and left.";
        Field<NonNullGraphType<SegmentType>>("segment").Resolve(c => c.Source.Segment);
        Field<NonNullGraphType<SegmentMembershipStatusType>>("status").Resolve(c => c.Source.Membership.Status);
        Field<NonNullGraphType<IsoDateTimeGraphType>>("since").Description("When the person entered or left.").Resolve(c => c.Source.Membership.Since);
    }
}

public sealed class SegmentExplanationType : ObjectGraphType<(ProfileSegmentExplanation Explanation, SegmentInfo Segment)>
{
    public SegmentExplanationType()
    {
        Name = "SegmentExplanation";
        Description = "Why a person is in or out of a segment now: each condition and what was found for this person.";
        Field<NonNullGraphType<SegmentType>>("segment").Resolve(c => c.Source.Segment);
        Field<NonNullGraphType<IdGraphType>>("profileId").Resolve(c => c.Source.Explanation.ProfileId);
        Field<NonNullGraphType<BooleanGraphType>>("member").Description("Whether the person is in the segment now.").Resolve(c => c.Source.Explanation.IsMember);
        Field<NonNullGraphType<IsoDateTimeGraphType>>("evaluatedAt").Resolve(c => c.Source.Explanation.EvaluatedAt);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<SegmentConditionType>>>>("conditions")
            .Description("Every condition, in source order.")
            .Resolve(c => c.Source.Explanation.Conditions);
    }
}

public sealed class SegmentConditionType : ObjectGraphType<SegmentConditionOutcome>
{
    public SegmentConditionType()
    {
        Name = "SegmentCondition";
        Field<NonNullGraphType<StringGraphType>>("source").Description("The condition as written.").Resolve(c => c.Source.Source);
        Field<NonNullGraphType<IntGraphType>>("line").Resolve(c => c.Source.Line);
        Field<NonNullGraphType<IntGraphType>>("column").Resolve(c => c.Source.Column);
        Field<NonNullGraphType<StringGraphType>>("value").Description("What was found for this person (a count, a trait value, (none)...).").Resolve(c => c.Source.Value);
        Field<NonNullGraphType<BooleanGraphType>>("held").Description("Whether the condition itself is true.").Resolve(c => c.Source.Held);
        Field<NonNullGraphType<BooleanGraphType>>("negated").Description("Whether the segment wants it false (under a not).").Resolve(c => c.Source.Negated);
        Field<NonNullGraphType<BooleanGraphType>>("satisfied").Description("Whether the condition is as the segment wants it.").Resolve(c => c.Source.Satisfied);
    }
}

public sealed class SegmentInputType : InputObjectGraphType<SegmentInput>
{
    public SegmentInputType()
    {
        Name = "SegmentInput";
        Field<IdGraphType>("id").Description("Omit to have one generated; an existing id replaces that segment's definition.");
        Field<NonNullGraphType<StringGraphType>>("name");
        Field<NonNullGraphType<StringGraphType>>("expression").Description("The definition in the segment language (docs/segment-language.md).");
    }
}

/// <summary>The <c>SegmentInput</c> argument.</summary>
public sealed class SegmentInput
{
    public string? Id { get; set; }
    public string Name { get; set; } = "";
    public string Expression { get; set; } = "";
}

/// <summary>Opaque cursors over profile ids.</summary>
internal static class Cursors
{
    public static string Encode(string profileId) => Convert.ToBase64String(Encoding.UTF8.GetBytes("member:" + profileId));

    public static string Decode(string cursor)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(cursor));
            if (text.StartsWith("member:", StringComparison.Ordinal)) return text["member:".Length..];
        }
        catch (FormatException)
        {
        }
        throw new ExecutionError("after: not a cursor of this connection (use pageInfo.endCursor)") { Code = "BAD_USER_INPUT" };
    }
}
