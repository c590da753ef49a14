using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ProfileGrid.Hosting;

public static class ProfileGridDomainServices
{
    /// <summary>
    /// The pure rules and their options, bound from configuration: shared by silos (which apply them)
    /// and API hosts (which normalise lookups the same way ingestion does).
    /// </summary>
    public static IServiceCollection AddProfileGridDomain(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<IdentityOptions>().Bind(configuration.GetSection(IdentityOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IdentityOptions>, IdentityOptionsValidator>());
        services.AddOptions<IngestionOptions>().Bind(configuration.GetSection(IngestionOptions.Section))
            .Validate(o => o.MaxWait > TimeSpan.Zero && o.MaxWait <= IngestionOptions.LongestMaxWait,
                $"{IngestionOptions.Section}:MaxWait: must be more than 00:00:00 and at most {IngestionOptions.LongestMaxWait}")
            .ValidateOnStart();
        services.AddOptions<ProfileOptions>().Bind(configuration.GetSection(ProfileOptions.Section))
            .Validate(o => o.StateWriteDelay is null || (o.StateWriteDelay >= TimeSpan.Zero && o.StateWriteDelay <= ProfileOptions.LongestStateWriteDelay),
                $"{ProfileOptions.Section}:StateWriteDelay: must be between 00:00:00 and {ProfileOptions.LongestStateWriteDelay}")
            .ValidateOnStart();
        services.TryAddSingleton(sp => new IdentityRules(sp.GetRequiredService<IOptions<IdentityOptions>>().Value));
        services.TryAddSingleton(sp => new StitchPlanner(sp.GetRequiredService<IdentityRules>()));
        // One per host: on a silo ingestion fills it and lookups read it too.
        services.TryAddSingleton(_ => new OwnerCache());
        services.TryAddSingleton(sp => new EventValidator(
            sp.GetRequiredService<IOptions<IngestionOptions>>().Value,
            sp.GetRequiredService<IdentityRules>(),
            sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}

/// <summary>Identity settings are checked by building the rules from them, at start: a bad namespace stops the host.</summary>
internal sealed class IdentityOptionsValidator : IValidateOptions<IdentityOptions>
{
    public ValidateOptionsResult Validate(string? name, IdentityOptions options)
    {
        try
        {
            _ = new IdentityRules(options);
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException e)
        {
            return ValidateOptionsResult.Fail(e.Message);
        }
    }
}
