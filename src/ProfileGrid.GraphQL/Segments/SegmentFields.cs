using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ProfileGrid.GraphQL.Profiles;
using ProfileGrid.Segments;

namespace ProfileGrid.GraphQL.Segments;

/// <summary>
/// The segment fields of the root types and of <c>Profile</c>, kept here so that the Segments capability is
/// one folder; the root types call these in one line each.
/// </summary>
public static class SegmentFields
{
    public static IServiceCollection AddProfileGridSegmentsApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SegmentOptions>().Bind(configuration.GetSection(SegmentOptions.Section));
        services.AddSingleton<SegmentGateway>();
        return services;
    }

    public static void AddSegmentQueries(this ObjectGraphType query)
    {
        query.Field<SegmentType>("segment")
            .Description("A segment by id, or null.")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async c => await SegmentType.Gateway(c).Get(c.GetArgument<string>("id"), c.CancellationToken));
        query.Field<NonNullGraphType<ListGraphType<NonNullGraphType<SegmentType>>>>("segments")
            .Description("Every segment, by id.")
            .ResolveAsync(async c => await SegmentType.Gateway(c).List(c.CancellationToken));
        query.Field<SegmentExplanationType>("explainSegment")
            .Description("Why the person holding an identity is in or out of a segment, condition by condition; null when nobody holds the identity.")
            .Argument<NonNullGraphType<IdGraphType>>("segmentId")
            .Argument<NonNullGraphType<StringGraphType>>("namespace")
            .Argument<NonNullGraphType<StringGraphType>>("id")
            .ResolveAsync(async c =>
            {
                var gateway = SegmentType.Gateway(c);
                var segmentId = c.GetArgument<string>("segmentId");
                var identity = Arguments.Identity(c.RequestServices!.GetRequiredService<ProfileGridGateway>().Rules, c);
                var segment = await gateway.Get(segmentId, c.CancellationToken)
                    ?? throw new ExecutionError($"segmentId: found '{segmentId}', expected the id of a defined segment") { Code = "BAD_USER_INPUT" };
                if (await gateway.Owner(identity, c.CancellationToken) is not { } profileId) return null;
                return await gateway.Explain(profileId, segmentId, c.CancellationToken) is { } explanation ? (object)(explanation, segment) : null;
            });
    }

    public static void AddSegmentMutations(this ObjectGraphType mutation)
    {
        mutation.Field<NonNullGraphType<SegmentType>>("defineSegment")
            .Description("Defines a segment, or replaces the definition of an existing id, and evaluates it over every existing profile. A refused definition changes nothing.")
            .Argument<NonNullGraphType<SegmentInputType>>("input")
            .ResolveAsync(async c =>
            {
                var input = c.GetArgument<SegmentInput>("input");
                var result = await SegmentType.Gateway(c).Define(input.Id, input.Name, input.Expression, c.CancellationToken);
                return result.Segment ?? throw Refused(c, result);
            });
        mutation.Field<NonNullGraphType<BooleanGraphType>>("deleteSegment")
            .Description("Deletes a segment unless another segment references it with inSegment.")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async c =>
            {
                var result = await SegmentType.Gateway(c).Delete(c.GetArgument<string>("id"), c.CancellationToken);
                return result.Succeeded ? true : throw Refused(c, result);
            });
    }

    public static void AddProfileSegments(this ObjectGraphType<ProfileView> profile)
    {
        profile.Field<NonNullGraphType<ListGraphType<NonNullGraphType<ProfileSegmentType>>>>("segments")
            .Description("Segments the person is in (REALIZED) or was in and left (EXITED).")
            .ResolveAsync(async c =>
            {
                var gateway = SegmentType.Gateway(c);
                var memberships = gateway.Memberships(c.Source.Id, c.CancellationToken);
                var segments = (await gateway.List(c.CancellationToken)).ToDictionary(s => s.Definition.Id, StringComparer.Ordinal);
                return (await memberships)
                    .Where(m => segments.ContainsKey(m.SegmentId))
                    .Select(m => (m, segments[m.SegmentId]))
                    .ToList();
            });
    }

    /// <summary>Every problem as its own error naming the field and the rule; the last one is thrown.</summary>
    private static ExecutionError Refused(IResolveFieldContext c, SegmentChangeResult result)
    {
        var errors = result.Problems.Select(problem =>
        {
            var at = problem.Line > 0 ? $"line {problem.Line}, column {problem.Column}: " : "";
            var error = new ExecutionError($"{problem.Field}: {at}{problem.Message} (rule: {problem.Rule})") { Code = "BAD_USER_INPUT" };
            error.Data["field"] = problem.Field;
            error.Data["rule"] = problem.Rule;
            if (problem.Line > 0)
            {
                error.Data["line"] = problem.Line;
                error.Data["column"] = problem.Column;
            }
            return error;
        }).ToList();
        foreach (var error in errors.SkipLast(1)) c.Errors.Add(error);
        return errors[^1];
    }
}
