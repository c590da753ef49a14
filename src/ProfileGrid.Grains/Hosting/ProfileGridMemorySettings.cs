using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using ProfileGrid.Identity;

namespace ProfileGrid.Hosting;

/// <summary>
/// How much memory a silo lets its grains take. Above <see cref="ShedAbovePercent"/> of the memory available to
/// the process (the container's limit, <c>DOTNET_GCHeapHardLimit</c>, or the machine's memory, whichever the
/// runtime sees), the grains used least recently are deactivated until the silo is under <see cref="ShedToPercent"/>:
/// their state is in storage (a profile writes what it had not written yet) and they activate again when next
/// used. So a silo holds more people than fit in memory at once, at the cost of reactivating the ones it shed.
/// Orleans' own collection of idle grains goes on as before: after <see cref="ProfileCollectionAge"/> for profiles
/// (Orleans' 15 minutes unless set), after <see cref="IdentityCollectionAge"/> for identity grains, and after 15
/// minutes for the rest.
/// </summary>
public sealed record ProfileGridMemorySettings
{
    public const string ShedAbovePercentKey = "ProfileGrid:Memory:ShedAbovePercent";
    public const string ShedToPercentKey = "ProfileGrid:Memory:ShedToPercent";
    public const string IdentityCollectionAgeKey = "ProfileGrid:Memory:IdentityCollectionAge";
    public const string ProfileCollectionAgeKey = "ProfileGrid:Memory:ProfileCollectionAge";
    public const double DefaultShedAbovePercent = 80;
    public const double DefaultShedToPercent = 75;
    public static readonly TimeSpan DefaultIdentityCollectionAge = TimeSpan.FromMinutes(2);
    public static readonly TimeSpan DefaultProfileCollectionAge = TimeSpan.FromMinutes(15);

    /// <summary>Share of the available memory (percent) above which grains are shed; 0 turns shedding off.</summary>
    public double ShedAbovePercent { get; init; } = DefaultShedAbovePercent;

    /// <summary>Share of the available memory (percent) shedding brings the silo back to.</summary>
    public double ShedToPercent { get; init; } = DefaultShedToPercent;

    public bool SheddingEnabled => ShedAbovePercent > 0;

    /// <summary>
    /// How long an identity grain stays in memory unused (Orleans' collection age for it; other grains keep
    /// Orleans' 15 minutes). An identity is needed when an event names it and the silo's owner cache does not
    /// know it, or when someone looks a person up by it; in between, its owner pointer is in storage. Orleans
    /// requires more than its collection quantum (1 minute).
    /// </summary>
    public TimeSpan IdentityCollectionAge { get; init; } = DefaultIdentityCollectionAge;

    /// <summary>
    /// How long a profile grain stays in memory unused (Orleans' 15 minutes by default). Shorter bounds a silo's memory
    /// by the people seen in that time rather than in the last 15 minutes, at the cost of reading a profile back from
    /// storage (one statement with PostgreSQL) when it is next used; its segment time windows wake it by reminder.
    /// </summary>
    public TimeSpan ProfileCollectionAge { get; init; } = DefaultProfileCollectionAge;

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

        return new ProfileGridMemorySettings
        {
            ShedAbovePercent = above,
            ShedToPercent = to,
            IdentityCollectionAge = Age(configuration, IdentityCollectionAgeKey, DefaultIdentityCollectionAge),
            ProfileCollectionAge = Age(configuration, ProfileCollectionAgeKey, DefaultProfileCollectionAge),
        };
    }

    /// <summary>Orleans' collection options for these settings.</summary>
    public void Apply(GrainCollectionOptions options)
    {
        options.ClassSpecificCollectionAge[typeof(IdentityGrain).FullName!] = IdentityCollectionAge;
        options.ClassSpecificCollectionAge[typeof(Profiles.ProfileGrain).FullName!] = ProfileCollectionAge;
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

    private static TimeSpan Age(IConfiguration configuration, string key, TimeSpan fallback)
    {
        var value = configuration[key];
        if (string.IsNullOrWhiteSpace(value)) return fallback;
        if (TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var age) && age > TimeSpan.Zero && age <= TimeSpan.FromDays(1)) return age;
        throw Refused($"{key} is '{value}'; it must be a time span such as 00:02:00, more than Orleans' collection quantum (1 minute) and at most a day (default {fallback}).");
    }

    /// <summary>
    /// Refuses a collection age Orleans would refuse at start (one not above its collection quantum), naming the
    /// setting that made it: Orleans' own refusal names only its options. Runs once every configuration of the
    /// options has, so a quantum set anywhere (tests shorten it) is the one compared with.
    /// </summary>
    public sealed class Validation(ProfileGridMemorySettings settings) : IValidateOptions<GrainCollectionOptions>
    {
        public ValidateOptionsResult Validate(string? name, GrainCollectionOptions options)
        {
            var failures = new List<string>();
            Check(IdentityCollectionAgeKey, settings.IdentityCollectionAge);
            Check(ProfileCollectionAgeKey, settings.ProfileCollectionAge);
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

            void Check(string key, TimeSpan age)
            {
                if (age <= options.CollectionQuantum)
                    failures.Add($"{key} is {age:c}; it must be more than Orleans' collection quantum ({options.CollectionQuantum:c}).");
            }
        }
    }

    private static OptionsValidationException Refused(string message) => new(nameof(ProfileGridMemorySettings), typeof(ProfileGridMemorySettings), [message]);
}
