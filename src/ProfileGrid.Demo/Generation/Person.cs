using ProfileGrid.Events;

namespace ProfileGrid.Demo.Generation;

internal enum DeviceKind { Laptop, Phone, Tablet, Tv }

internal enum Archetype { Browser, Regular, HighSpender, Lapsed }

internal sealed class Device(string ecid, DeviceKind kind)
{
    public string Ecid { get; } = ecid;
    public DeviceKind Kind { get; } = kind;
    public RawIdentity Identity { get; } = Ids.Ecid(ecid);
    /// <summary>
    /// Seconds before now of the person's first sign-in on this device, or null while they have not
    /// signed in on it (sessions before are anonymous).
    /// </summary>
    public long? SignedInSinceAgo { get; private set; }

    public bool SignedIn => SignedInSinceAgo is not null;

    public bool SignedInBy(long ago) => SignedInSinceAgo >= ago;

    public void SignIn(long ago)
    {
        if (SignedInSinceAgo is null || ago > SignedInSinceAgo) SignedInSinceAgo = ago;
    }
    public string Channel => Kind is DeviceKind.Phone ? "mobile" : "web";
}

internal sealed record Consent(bool Email, bool Push, bool Sms);

/// <summary>One generated customer: identities, profile and behaviour parameters.</summary>
internal sealed class Person
{
    public required int Index { get; init; }
    public required string FirstName { get; init; }
    public required string LastName { get; init; }
    public required City City { get; init; }
    public required int BirthYear { get; init; }
    public required bool ShopsWomen { get; init; }
    public required string Interest { get; init; }
    public required Archetype Kind { get; init; }
    public required Consent Consent { get; init; }
    public required List<Device> Devices { get; init; }
    /// <summary>Seconds before now of the person's first event.</summary>
    public required long FirstSeenAgo { get; init; }
    /// <summary>For lapsed buyers: seconds before now of their last purchase; 0 otherwise.</summary>
    public long LastPurchaseAgo { get; init; }

    public string? CrmId { get; init; }
    public string? Email { get; init; }
    /// <summary>E.164.</summary>
    public string? Phone { get; init; }
    /// <summary>How the call center's telephony writes the number (usually E.164).</summary>
    public string? PhoneAsWritten { get; init; }
    public string? LoyaltyId { get; init; }

    public int Orders { get; set; }

    public bool IsPlus => LoyaltyId is not null;
    public bool CanSignIn => CrmId is not null || Email is not null;

    /// <summary>The identity a signed-in session carries next to the device.</summary>
    public RawIdentity SignedInIdentity => CrmId is not null ? Ids.Crm(CrmId) : Ids.Email(Email!);

    /// <summary>Whether a purchase at this time fits the person's archetype (lapsed buyers stop buying).</summary>
    public bool MayPurchaseAt(long ago) => Kind != Archetype.Lapsed || ago >= LastPurchaseAgo;

    public IReadOnlyList<Device> BrowsingDevices => Devices.Where(d => d.Kind != DeviceKind.Tv).ToList();

    public Device? PhoneDevice => Devices.FirstOrDefault(d => d.Kind == DeviceKind.Phone);
}
