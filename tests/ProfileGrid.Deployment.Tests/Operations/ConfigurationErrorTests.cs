using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using ProfileGrid.Client.Extensions;
using ProfileGrid.Deployment.Tests.Processes;
using ProfileGrid.Hosting;
using ProfileGrid.Silo.Extensions;

namespace ProfileGrid.Deployment.Tests.Operations;

/// <summary>
/// A setting a host cannot use stops it with the key and the rule on standard error and exit code 78 (EX_CONFIG),
/// whether a check refuses it while the host is built, options validation at start, or the configuration binder;
/// any other failure keeps its stack trace.
/// </summary>
public sealed class ConfigurationErrorTests
{
    [Theory]
    [InlineData("silo", "ProfileGrid:GrainState", "sideways", "profilegrid-silo: configuration error: ProfileGrid:GrainState is 'sideways'; allowed values are Direct and Orleans")]
    [InlineData("silo", "ProfileGrid:Identity:MaxIdentitiesPerGraph", "1", "profilegrid-silo: configuration error: ProfileGrid:Identity:MaxIdentitiesPerGraph must be at least 2.")]
    [InlineData("silo", "ProfileGrid:Profiles:StateWriteDelay", "soon", "profilegrid-silo: configuration error: Failed to convert configuration value 'soon' at 'ProfileGrid:Profiles:StateWriteDelay'")]
    [InlineData("gateway", "ProfileGrid:Storage", "Redis", "profilegrid-gateway: configuration error: ProfileGrid:Storage is 'Redis'; allowed values are InMemory and Postgres")]
    [InlineData("gateway", "ProfileGrid:ShutdownTimeoutSeconds", "soon", "profilegrid-gateway: configuration error: ProfileGrid:ShutdownTimeoutSeconds is 'soon'; it must be a number of seconds")]
    [InlineData("gateway", "ProfileGrid:Ingestion:MaxWait", "00:00:00", "profilegrid-gateway: configuration error: ProfileGrid:Ingestion:MaxWait: must be more than 00:00:00 and at most 00:10:00")]
    [InlineData("silo", "ProfileGrid:Cluster:ProbeTimeout", "fast", "profilegrid-silo: configuration error: ProfileGrid:Cluster:ProbeTimeout is 'fast'; it must be a time span such as 00:00:02, from 00:00:01 to 00:01:00 (default 00:00:05).")]
    public async Task A_host_given_a_setting_it_cannot_use_exits_78_naming_the_key_without_a_stack_trace(string host, string key, string value, string expected)
    {
        var dll = host == "silo"
            ? Repository.HostDll("silo", typeof(SiloHostExtensions).Assembly)
            : Repository.HostDll("client", typeof(GatewayHostExtensions).Assembly);
        var settings = new Dictionary<string, string>
        {
            [key] = value,
            ["ProfileGrid:SiloPort"] = LoopbackPorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ProfileGrid:GatewayPort"] = LoopbackPorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            [SiloHostExtensions.DemoKey] = "false",
        };
        await using var process = HostProcess.Start(host, dll, LoopbackPorts.Next(), settings);

        Assert.True(await process.WaitForExitAsync(TimeSpan.FromSeconds(60)), $"{host} did not exit:\n{process.RecentOutput()}");
        var output = process.RecentOutput();
        Assert.True(process.ExitCode == ProfileGridHostEntry.ConfigurationErrorExitCode, $"exit code {process.ExitCode}:\n{output}");
        Assert.Contains(expected, output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Hosting failed to start", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_refused_setting_is_reported_in_one_line_per_problem_with_exit_code_78()
    {
        var errors = new StringWriter();

        var exit = ProfileGridHostEntry.Run("test-host",
            () => throw new AggregateException(
                new OptionsValidationException("a", typeof(object), ["A:B is 'x'; it must be y", "A:C is 'z'; it must be w"]),
                new OptionsValidationException("b", typeof(object), ["D:E must be at least 2."])),
            _ => { },
            errors);

        Assert.Equal(78, exit);
        Assert.Equal(
            ["test-host: configuration error: A:B is 'x'; it must be y", "test-host: configuration error: A:C is 'z'; it must be w", "test-host: configuration error: D:E must be at least 2."],
            errors.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void A_value_the_binder_cannot_convert_is_a_configuration_error()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([KeyValuePair.Create("Delay", (string?)"soon")]).Build();
        var failure = Assert.Throws<InvalidOperationException>(() => configuration.Get<Delayed>());

        Assert.Equal([failure.Message], ProfileGridHostEntry.ConfigurationProblems(failure));
        Assert.Contains("'Delay'", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Orleans_refusing_its_options_is_a_configuration_error()
    {
        var failure = new Orleans.Runtime.OrleansConfigurationException("CollectionAge is set to 00:00:30. CollectionAge must be greater than CollectionQuantum, which is set to 00:01:00");

        Assert.Equal([failure.Message], ProfileGridHostEntry.ConfigurationProblems(failure));
    }

    [Fact]
    public void Any_other_failure_is_not_swallowed()
    {
        var errors = new StringWriter();

        Assert.Throws<InvalidOperationException>(() => ProfileGridHostEntry.Run("test-host", () => throw new InvalidOperationException("a bug"), _ => { }, errors));
        Assert.Throws<AggregateException>(() => ProfileGridHostEntry.Run("test-host",
            () => throw new AggregateException(new OptionsValidationException("a", typeof(object), ["A:B bad"]), new InvalidOperationException("a bug")),
            _ => { },
            errors));
        Assert.Equal("", errors.ToString());
    }

    [Fact]
    public void A_host_that_runs_and_stops_exits_0()
    {
        var ran = false;

        var exit = ProfileGridHostEntry.Run("test-host", () => WebApplication.CreateBuilder().Build(), _ => ran = true);

        Assert.True(ran);
        Assert.Equal(0, exit);
    }

    private sealed class Delayed
    {
        public TimeSpan Delay { get; set; }
    }
}
