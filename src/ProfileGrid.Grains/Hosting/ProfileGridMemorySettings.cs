using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace ProfileGrid.Hosting;

/// <summary>
/// How much memory a silo lets its grains take. Above <see cref="ShedAbovePercent"/> of the memory available to
/// the process (the container's limit, <c>DOTNET_GCHeapHardLimit</c>, or the machine's memory, whichever the
/// runtime sees), the grains used least recently are deactivated until the silo is under <see cref="ShedToPercent"/>:
/// their state is in storage (a profile writes what it had not written yet) and they activate again when next
/// used. So a silo holds more people than fit in memory at once, at the cost of reactivating the ones it shed.
/// Orleans' own collection of idle grains (after 15 minutes) goes on as before.
/// </summary>
public sealed record ProfileGridMemorySettings
{
    public const string ShedAbovePercentKey = "ProfileGrid:Memory:ShedAbovePercent";
    public const string ShedToPercentKey = "ProfileGrid:Memory:ShedToPercent";
    public const double DefaultShedAbovePercent = 80;
    public const double DefaultShedToPercent = 75;

    /// <summary>Share of the available memory (percent) above which grains are shed; 0 turns shedding off.</summary>
    public double ShedAbovePercent { get; init; } = DefaultShedAbovePercent;

    /// <summary>Share of the available memory (percent) shedding brings the silo back to.</summary>
    public double ShedToPercent { get; init; } = DefaultShedToPercent;

    public bool SheddingEnabled => ShedAbovePercent > 0;

    /// <exception cref="OptionsValidationException">A value is not a percentage, or the target is not below the limit.</exception>
    public static ProfileGridMemorySettings FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var above = Percent(configuration, ShedAbovePercentKey, DefaultShedAbovePercent);
        var to = Percent(configuration, ShedToPercentKey, above > 5 ? Math.Min(DefaultShedToPercent, above - 5) : above / 2);
        if (above > 0 && (to <= 0 || to >= above))
        {
            throw Refused($"{ShedToPercentKey} ({to.ToString("0.###", CultureInfo.InvariantCulture)}) must be above 0 and below {ShedAbovePercentKey} ({above.ToString("0.###", CultureInfo.InvariantCulture)}): shedding stops at the first and starts at the second.");
        }

        return new ProfileGridMemorySettings { ShedAbovePercent = above, ShedToPercent = to };
    }

    /// <summary>Orleans' collection options for these settings.</summary>
    public void Apply(GrainCollectionOptions options)
    {
        options.EnableActivationSheddingOnMemoryPressure = SheddingEnabled;
        if (!SheddingEnabled) return;
        options.MemoryUsageLimitPercentage = ShedAbovePercent;
        options.MemoryUsageTargetPercentage = ShedToPercent;
    }

    private static double Percent(IConfiguration configuration, string key, double fallback)
    {
        var value = configuration[key];
        if (string.IsNullOrWhiteSpace(value)) return fallback;
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var percent) && percent is >= 0 and <= 100) return percent;
        throw Refused($"{key} is '{value}'; it must be a percentage from 0 to 100 (0 turns shedding off; default {fallback.ToString("0.###", CultureInfo.InvariantCulture)}).");
    }

    private static OptionsValidationException Refused(string message) => new(nameof(ProfileGridMemorySettings), typeof(ProfileGridMemorySettings), [message]);
}
