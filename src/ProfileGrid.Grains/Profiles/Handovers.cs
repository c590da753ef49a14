using ProfileGrid.Hosting;

namespace ProfileGrid.Profiles;

/// <summary>Delivering a <see cref="Handover"/>: the one loop the coordinator and the sending profile share.</summary>
public static class Handovers
{
    /// <summary>
    /// Asks the receiver to take the part in, following it to its absorber when it was merged away. Done with the
    /// profile that holds the part now; Conflict when the receiver cannot take it yet, or when
    /// <paramref name="onlyAbove"/> is given and the receiver's id is not above it (a profile delivering from
    /// within a call of its own only calls upwards).
    /// </summary>
    public static async Task<ProfileOutcome> Deliver(IGrainFactory grains, Handover handover, string? onlyAbove = null)
    {
        var to = handover.To;
        for (var hop = 0; hop < 64; hop++)
        {
            if (onlyAbove is not null && string.CompareOrdinal(to, onlyAbove) <= 0)
                return ProfileOutcome.Conflicted($"handover to {to} is left to the retry timer (a lower id)");
            var received = await grains.Profile(to).Receive(handover.Id, handover.Fragment);
            if (received.Kind != OutcomeKind.Redirect) return received;
            to = received.RedirectTo!;
        }
        return ProfileOutcome.Conflicted($"handover {handover.Id}: merge chain too long");
    }

    /// <summary>
    /// Delivers a handover of <paramref name="senderId"/> from outside any profile's turn (the ingestion, or the
    /// sender's retry), then has the sender write it off: the whole move, each step repeatable.
    /// </summary>
    public static async Task<ProfileOutcome> DeliverAndWriteOff(IGrainFactory grains, string senderId, Handover handover)
    {
        var received = await Deliver(grains, handover);
        if (received.Kind == OutcomeKind.Done) await grains.Profile(senderId).HandedOver(handover.Id, received.ProfileId!);
        return received;
    }
}
