namespace ProfileGrid.Identity;

/// <summary>
/// One identity of a person: a namespace (<c>email</c>, <c>crmId</c>, <c>ecid</c>, ...) and a
/// normalised value. Only <see cref="IdentityRules"/> creates normalised keys; a key built by hand
/// from user input must go through <see cref="IdentityRules.Normalize"/> first.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record IdentityKey([property: Id(0)] string Namespace, [property: Id(1)] string Value)
    : IComparable<IdentityKey>
{
    /// <summary>The grain key of the identity: <c>namespace:value</c>.</summary>
    public override string ToString() => $"{Namespace}:{Value}";

    public int CompareTo(IdentityKey? other)
    {
        if (other is null) return 1;
        var byNamespace = string.CompareOrdinal(Namespace, other.Namespace);
        return byNamespace != 0 ? byNamespace : string.CompareOrdinal(Value, other.Value);
    }

    /// <summary>Parses a grain key written by <see cref="ToString"/>.</summary>
    public static IdentityKey Parse(string grainKey)
    {
        var colon = grainKey.IndexOf(':');
        if (colon <= 0) throw new FormatException($"'{grainKey}' is not an identity key (namespace:value).");
        return new IdentityKey(grainKey[..colon], grainKey[(colon + 1)..]);
    }
}
