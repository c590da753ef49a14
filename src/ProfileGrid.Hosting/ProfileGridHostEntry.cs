using Microsoft.Extensions.Configuration;

namespace ProfileGrid.Hosting;

/// <summary>
/// The entry of the silo and gateway processes. A setting that cannot be used ends the process with one line per
/// problem on standard error, naming the key and the rule, and exit code <see cref="ConfigurationErrorExitCode"/>:
/// not an unhandled exception's stack trace and an abort (exit 134).
/// </summary>
public static class ProfileGridHostEntry
{
    /// <summary>EX_CONFIG of sysexits.h: a configuration error.</summary>
    public const int ConfigurationErrorExitCode = 78;

    /// <summary>Builds the host and runs it until it stops; 0 when it stopped, <see cref="ConfigurationErrorExitCode"/> on a bad setting.</summary>
    public static int Run(string hostName, Func<WebApplication> build, Action<WebApplication> run, TextWriter? errors = null)
    {
        try
        {
            var app = build();
            ValidateBeforeStart(app);
            run(app);
            return 0;
        }
        catch (Exception e) when (ConfigurationProblems(e) is { Count: > 0 } problems)
        {
            var writer = errors ?? Console.Error;
            foreach (var problem in problems) writer.WriteLine($"{hostName}: configuration error: {problem}");
            writer.Flush();
            return ConfigurationErrorExitCode;
        }
    }

    /// <summary>
    /// Options validated on start are validated here, before the host starts, so that a refused one is reported
    /// once, in the line above, rather than also logged with its stack trace as a failed start.
    /// </summary>
    private static void ValidateBeforeStart(WebApplication app)
    {
        try
        {
            app.Services.GetService<IStartupValidator>()?.Validate();
        }
        catch
        {
            ((IDisposable)app).Dispose();
            throw;
        }
    }

    /// <summary>
    /// The problems a failure reports when it is a configuration error (a setting refused by its check, by
    /// options validation or by Orleans' own option checks, or a value the configuration binder could not
    /// convert); empty for any other failure, which keeps its stack trace.
    /// </summary>
    public static IReadOnlyList<string> ConfigurationProblems(Exception failure) => failure switch
    {
        OptionsValidationException refused => [.. refused.Failures],
        Orleans.Runtime.OrleansConfigurationException orleans => [orleans.Message],
        InvalidOperationException unconverted when unconverted.TargetSite?.DeclaringType == typeof(ConfigurationBinder) => [unconverted.Message],
        AggregateException all when all.InnerExceptions.Count > 0 && all.InnerExceptions.All(e => ConfigurationProblems(e).Count > 0) =>
            [.. all.InnerExceptions.SelectMany(ConfigurationProblems)],
        _ => [],
    };
}
