using Microsoft.Extensions.DependencyInjection;
using ProfileGrid.GraphQL.Scalars;
using ProfileGrid.Segments;

namespace ProfileGrid.GraphQL.Segments;

/// <summary>The subscription root: what a frontend listens to over graphql-transport-ws.</summary>
public sealed class SubscriptionType : ObjectGraphType
{
    public SubscriptionType()
    {
        Name = "Subscription";
        Field<NonNullGraphType<SegmentMembershipChangeType>, SegmentMembershipChange>("segmentMembershipChanged")
            .Description("People entering and leaving a segment (all segments when segmentId is absent), from the moment of subscribing; each profile's changes in increasing sequence.")
            .Argument<IdGraphType>("segmentId", "Only changes of this segment.")
            .ResolveStream(c =>
            {
                var hub = c.RequestServices!.GetRequiredService<SegmentChangeHub>();
                if (!hub.IsAvailable)
                {
                    throw new ExecutionError("segment membership subscriptions are not enabled on this host (its Orleans silo or client lacks AddProfileGridStreams)")
                    {
                        Code = "SUBSCRIPTIONS_UNAVAILABLE",
                    };
                }

                return hub.Changes(c.GetArgument<string?>("segmentId"));
            });
    }
}

public sealed class SegmentMembershipChangeType : ObjectGraphType<SegmentMembershipChange>
{
    public SegmentMembershipChangeType()
    {
        Name = "SegmentMembershipChange";
        Description = "One person entering or leaving one segment.";
        Field<NonNullGraphType<IdGraphType>>("segmentId").Resolve(c => c.Source.SegmentId);
        Field<NonNullGraphType<IdGraphType>>("profileId").Resolve(c => c.Source.ProfileId);
        Field<NonNullGraphType<MembershipChangeStatusType>>("status").Resolve(c => c.Source.Status);
        Field<NonNullGraphType<IsoDateTimeGraphType>>("at").Description("When the membership changed.").Resolve(c => c.Source.At);
        Field<NonNullGraphType<LongGraphType>>("sequence")
            .Description("Increases with every change of the same profile: order and de-duplicate by it.")
            .Resolve(c => c.Source.Sequence);
    }
}

public sealed class MembershipChangeStatusType : EnumerationGraphType<MembershipChangeStatus>
{
    public MembershipChangeStatusType()
    {
        Name = "MembershipChangeStatus";
        Description = "Whether the person entered or left the segment.";
    }
}
