using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace ProfileGrid.Hosting;

/// <summary>A setting whose value names one member of an enum.</summary>
internal static class EnumSetting
{
    /// <summary>
    /// The member <paramref name="key"/> names (case-insensitive, spaces around it ignored), or <paramref name="fallback"/>
    /// when it is unset or blank. Any other value is refused like a failed options validation, which hosts print without
    /// a stack trace, naming the key, the value and the allowed values.
    /// </summary>
    public static T Read<T>(IConfiguration configuration, string key, T fallback) where T : struct, Enum
    {
        var value = configuration[key];
        if (string.IsNullOrWhiteSpace(value)) return fallback;
        foreach (var member in Enum.GetValues<T>())
        {
            if (string.Equals(value.Trim(), member.ToString(), StringComparison.OrdinalIgnoreCase)) return member;
        }

        throw new OptionsValidationException(key, typeof(T),
            [$"{key} is '{value}'; allowed values are {string.Join(" and ", Enum.GetNames<T>())} (case-insensitive; default {fallback})."]);
    }
}
