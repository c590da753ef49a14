namespace ProfileGrid.Subscriptions.Tests;

/// <summary>
/// What these tests add to the shared graphql-transport-ws client: the segmentMembershipChanged
/// subscription and its changes as a subscriber reads them. Kept here because only the product's
/// schema has that field; the protocol itself lives in ProfileGrid.Testing.
/// </summary>
public static class SegmentChangeSubscriptions
{
    /// <summary>Subscribes to segmentMembershipChanged, for one segment or (null) all.</summary>
    public static Task SubscribeToChangesAsync(this GraphQLWebSocketTestClient client, string id, string? segmentId) => client.SubscribeAsync(
        id,
        "subscription($segmentId: ID) { segmentMembershipChanged(segmentId: $segmentId) { segmentId profileId status at sequence } }",
        new { segmentId });

    /// <summary>The next <c>next</c> message of subscription <paramref name="id"/>, as the change it carries.</summary>
    public static async Task<ReceivedChange> ReceiveChangeAsync(this GraphQLWebSocketTestClient client, string id)
    {
        var message = await client.ReceiveAsync("next", id);
        return ReceivedChange.From(message);
    }
}

/// <summary>A change as a subscriber sees it on the wire.</summary>
public sealed record ReceivedChange(string SegmentId, string ProfileId, string Status, DateTimeOffset At, long Sequence)
{
    public static ReceivedChange From(JsonElement next)
    {
        var payload = next.GetProperty("payload");
        Assert.False(payload.TryGetProperty("errors", out var errors), $"errors: {errors}");
        var change = payload.GetProperty("data").GetProperty("segmentMembershipChanged");
        return new ReceivedChange(
            change.GetProperty("segmentId").GetString()!,
            change.GetProperty("profileId").GetString()!,
            change.GetProperty("status").GetString()!,
            DateTimeOffset.Parse(change.GetProperty("at").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
            change.GetProperty("sequence").GetInt64());
    }
}
