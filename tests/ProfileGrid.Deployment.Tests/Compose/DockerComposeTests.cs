using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using ProfileGrid.Client.Extensions;
using ProfileGrid.Hosting;
using ProfileGrid.Silo.Extensions;
using ProfileGrid.Storage.Postgres.Hosting;

namespace ProfileGrid.Deployment.Tests.Compose;

/// <summary>
/// docker-compose.yml and the Dockerfiles cannot be started here (no Docker engine), so they are
/// checked against what the hosts really do: docker-compose accepts the file, every environment key
/// is one the host reads, every value is one it accepts, and every image runs the dll its project publishes.
/// </summary>
public sealed partial class DockerComposeTests
{
    private static readonly ComposeFile Compose = ComposeFile.Load();

    private static IEnumerable<ComposeService> Silos => Compose.Services.Where(s => s.Dockerfile == "silo/Dockerfile");

    private static IEnumerable<ComposeService> Gateways => Compose.Services.Where(s => s.Dockerfile == "client/Dockerfile");

    private static IEnumerable<(ComposeService Service, IReadOnlySet<string> Keys)> Hosts =>
        Silos.Select(s => (s, HostConfigurationKeys.Silo)).Concat(Gateways.Select(g => (g, HostConfigurationKeys.Gateway)));

    [DockerComposeFact]
    public async Task Compose_file_is_accepted_by_docker_compose_config()
    {
        Assert.NotNull(DockerCompose.Path);
        var start = new ProcessStartInfo(DockerCompose.Path!, ["-f", ComposeFile.FilePath, "config", "--quiet"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            WorkingDirectory = Repository.Root,
        };
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"docker-compose config failed: {await errors}");
    }

    [Fact]
    public void Compose_runs_postgres_three_silos_and_a_gateway()
    {
        var postgres = Assert.Single(Compose.Services, s => s.Definition.TryGetValue("image", out var image) && ((string)image).StartsWith("postgres:", StringComparison.Ordinal));
        Assert.Contains("pg_isready", string.Join(' ', postgres.HealthCheckTest), StringComparison.Ordinal);
        Assert.Equal(3, Silos.Count());
        Assert.Single(Gateways);
    }

    [Fact]
    public void Every_environment_key_of_a_host_is_one_the_host_reads()
    {
        foreach (var (service, keys) in Hosts)
        {
            foreach (var variable in service.Environment.Keys)
            {
                Assert.True(keys.Contains(HostConfigurationKeys.KeyOf(variable)),
                    $"service {service.Name}: {variable} sets {HostConfigurationKeys.KeyOf(variable)}, which the host does not read (it reads: {string.Join(", ", keys.Order())})");
            }
        }
    }

    [Fact]
    public void Every_host_runs_on_postgres_with_values_its_settings_accept()
    {
        foreach (var (service, _) in Hosts)
        {
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(service.Environment.Select(e => KeyValuePair.Create(HostConfigurationKeys.KeyOf(e.Key), (string?)e.Value)))
                .Build();
            var storage = ProfileGridStorageSettings.FromConfiguration(configuration);
            ProfileGridOperationsSettings.FromConfiguration(configuration);
            Assert.Equal(StorageMode.Postgres, storage.Mode);
            Assert.Contains("Host=postgres", storage.ConnectionString, StringComparison.Ordinal);
        }

        var advertised = Silos.Select(silo =>
        {
            var key = EnvironmentName(ProfileGridStorageSettings.AdvertisedIPKey);
            Assert.True(silo.Environment.TryGetValue(key, out var address), $"service {silo.Name} does not set {key}");
            Assert.Equal(silo.Ipv4Address, address);
            return address;
        }).ToList();
        Assert.Equal(advertised.Count, advertised.Distinct().Count());
        Assert.All(Silos, silo => Assert.Equal("false", silo.Environment[EnvironmentName(SiloHostExtensions.DemoKey)]));
    }

    [Fact]
    public void Health_checks_probe_readiness_on_the_port_each_host_serves_and_publishes()
    {
        foreach (var (service, _) in Hosts)
        {
            var urls = service.Environment["ASPNETCORE_URLS"];
            var port = UrlPort().Match(urls).Groups["port"].Value;
            Assert.False(string.IsNullOrEmpty(port), $"service {service.Name}: ASPNETCORE_URLS '{urls}' has no port");
            var probe = string.Join(' ', service.HealthCheckTest);
            Assert.Contains($":{port}{ProfileGridOperationsExtensions.ReadyPath}", probe, StringComparison.Ordinal);
            Assert.Contains(service.Ports, mapping => mapping.EndsWith($":{port}", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Every_image_runs_the_dll_its_project_publishes()
    {
        var hosts = new[]
        {
            (Dockerfile: "silo/Dockerfile", Project: "silo/ProfileGrid.Silo.csproj", Assembly: typeof(SiloHostExtensions).Assembly),
            (Dockerfile: "client/Dockerfile", Project: "client/ProfileGrid.Client.csproj", Assembly: typeof(GatewayHostExtensions).Assembly),
        };
        foreach (var host in hosts)
        {
            var dockerfile = File.ReadAllText(Repository.PathOf(host.Dockerfile));
            var dll = host.Assembly.GetName().Name + ".dll";
            Assert.True(File.Exists(Repository.PathOf(host.Project)), $"{host.Project} is missing");
            Assert.Contains($"dotnet publish {host.Project} ", dockerfile, StringComparison.Ordinal);
            Assert.Contains("FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build", dockerfile, StringComparison.Ordinal);
            Assert.Contains("FROM mcr.microsoft.com/dotnet/aspnet:10.0", dockerfile, StringComparison.Ordinal);
            var entrypoint = Assert.Single(dockerfile.Split('\n'), line => line.StartsWith("ENTRYPOINT", StringComparison.Ordinal));
            Assert.Equal($"ENTRYPOINT [\"dotnet\", \"{dll}\"]", entrypoint.Trim());
            // The dll is what the project's build produces (the test references the host, so it was built).
            Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(host.Assembly.Location)!, dll)));
        }

        foreach (var service in Compose.Services.Where(s => s.Dockerfile is not null))
        {
            Assert.Contains(service.Dockerfile!, hosts.Select(h => h.Dockerfile));
            if (service.Command is { } command)
            {
                var dlls = DllName().Matches(command).Select(m => m.Value);
                Assert.All(dlls, named => Assert.Equal(hosts.Single(h => h.Dockerfile == service.Dockerfile).Assembly.GetName().Name + ".dll", named));
            }
        }
    }

    private static string EnvironmentName(string key) => key.Replace(":", "__", StringComparison.Ordinal);

    [GeneratedRegex(@":(?<port>\d+)/?$")]
    private static partial Regex UrlPort();

    [GeneratedRegex(@"[\w.]+\.dll")]
    private static partial Regex DllName();
}
