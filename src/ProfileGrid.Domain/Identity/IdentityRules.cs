using System.Globalization;
using PhoneNumbers;

namespace ProfileGrid.Identity;

/// <summary>
/// Normalisation, validation and ranking of identities. Lookups and ingestion both go through
/// <see cref="TryNormalize"/>, so <c>Sarah@Luma.example</c> and <c>sarah@luma.example</c> are one identity.
/// </summary>
public sealed class IdentityRules
{
    private static readonly PhoneNumberUtil Phones = PhoneNumberUtil.GetInstance();
    private readonly IdentityOptions _options;
    private readonly HashSet<string> _blocked;

    public IdentityRules(IdentityOptions options)
    {
        _options = options;
        _blocked = new HashSet<string>(options.BlockedValues.Select(v => v.Trim()), StringComparer.OrdinalIgnoreCase);
        foreach (var (name, settings) in options.Namespaces)
        {
            if (!IsValidNamespaceName(name))
                throw new ArgumentException($"ProfileGrid:Identity:Namespaces: '{name}' is not a valid namespace name (letters, digits, '_' or '-', starting with a letter).");
            if (settings.Priority < 0)
                throw new ArgumentException($"ProfileGrid:Identity:Namespaces:{name}:Priority must be 0 or more.");
        }
        if (options.MaxIdentitiesPerGraph < 2)
            throw new ArgumentException("ProfileGrid:Identity:MaxIdentitiesPerGraph must be at least 2.");
    }

    public IdentityOptions Options => _options;

    public static IdentityRules Default { get; } = new(new IdentityOptions());

    public bool IsKnownNamespace(string ns) => _options.Namespaces.ContainsKey(ns);

    public bool IsUnique(string ns) => _options.Namespaces.TryGetValue(ns, out var s) && s.Unique;

    public bool IsUnique(IdentityKey key) => IsUnique(key.Namespace);

    public int Priority(IdentityKey key) =>
        _options.Namespaces.TryGetValue(key.Namespace, out var s) ? s.Priority : int.MaxValue;

    /// <summary>Orders identities strongest first: by priority, then namespace, then value.</summary>
    public int Compare(IdentityKey a, IdentityKey b)
    {
        var byPriority = Priority(a).CompareTo(Priority(b));
        return byPriority != 0 ? byPriority : a.CompareTo(b);
    }

    /// <summary>The identity an event or a graph belongs to: the strongest one.</summary>
    public IdentityKey Primary(IEnumerable<IdentityKey> identities)
    {
        IdentityKey? best = null;
        foreach (var key in identities)
            if (best is null || Compare(key, best) < 0) best = key;
        return best ?? throw new ArgumentException("No identities.", nameof(identities));
    }

    /// <summary>
    /// Validates and normalises one identity. On failure <paramref name="error"/> names the field
    /// and the rule, e.g. <c>namespace 'fax' is not configured</c>.
    /// </summary>
    public bool TryNormalize(string? ns, string? value, out IdentityKey key, out string error)
    {
        key = null!;
        if (string.IsNullOrWhiteSpace(ns)) { error = "namespace is required"; return false; }
        ns = ns.Trim();
        if (!_options.Namespaces.ContainsKey(ns))
        {
            error = $"namespace '{ns}' is not configured (known: {string.Join(", ", _options.Namespaces.Keys.Order(StringComparer.Ordinal))})";
            return false;
        }
        if (value is null) { error = $"{ns}: id is required"; return false; }
        var trimmed = value.Trim();
        if (trimmed.Length == 0) { error = $"{ns}: id is empty"; return false; }
        if (_blocked.Contains(trimmed)) { error = $"{ns}: '{trimmed}' is a blocked value, not an identity"; return false; }
        if (IsAllZeros(trimmed)) { error = $"{ns}: '{trimmed}' is all zeros, not an identity"; return false; }
        if (trimmed.Any(char.IsControl)) { error = $"{ns}: id contains control characters"; return false; }

        string normalized;
        switch (ns)
        {
            case "email":
                normalized = trimmed.ToLowerInvariant();
                if (!LooksLikeEmail(normalized)) { error = $"email: '{trimmed}' is not an email address (expected local@domain)"; return false; }
                break;
            case "phone":
                if (!TryNormalizePhone(trimmed, out normalized))
                {
                    error = $"phone: '{trimmed}' is not a possible phone number (expected E.164 such as +14155550142, or a number in region {_options.DefaultPhoneRegion})";
                    return false;
                }
                break;
            default:
                normalized = trimmed;
                break;
        }
        if (normalized.Length > _options.MaxValueLength)
        {
            error = $"{ns}: id is {normalized.Length} characters, over the limit of {_options.MaxValueLength} (ProfileGrid:Identity:MaxValueLength)";
            return false;
        }
        key = new IdentityKey(ns, normalized);
        error = "";
        return true;
    }

    /// <summary>Normalises or throws <see cref="ArgumentException"/> with the rule that failed.</summary>
    public IdentityKey Normalize(string? ns, string? value) =>
        TryNormalize(ns, value, out var key, out var error) ? key : throw new ArgumentException(error);

    private bool TryNormalizePhone(string raw, out string e164)
    {
        e164 = "";
        try
        {
            var number = Phones.Parse(raw, _options.DefaultPhoneRegion);
            if (!Phones.IsPossibleNumber(number)) return false;
            e164 = Phones.Format(number, PhoneNumberFormat.E164);
            return true;
        }
        catch (NumberParseException)
        {
            return false;
        }
    }

    private static bool LooksLikeEmail(string value)
    {
        var at = value.IndexOf('@');
        return at > 0 && at == value.LastIndexOf('@') && at < value.Length - 3
            && value.IndexOf('.', at) > at + 1 && !value.EndsWith('.') && !value.Any(char.IsWhiteSpace);
    }

    private static bool IsAllZeros(string value)
    {
        var digits = 0;
        foreach (var c in value)
        {
            if (c == '0') digits++;
            else if (c is '-' or ' ' or ':' or '.') continue;
            else return false;
        }
        return digits > 0;
    }

    private static bool IsValidNamespaceName(string name) =>
        name.Length is > 0 and <= 64 && char.IsAsciiLetter(name[0])
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    internal static string Describe(IdentityKey key) => key.ToString();

    internal static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
