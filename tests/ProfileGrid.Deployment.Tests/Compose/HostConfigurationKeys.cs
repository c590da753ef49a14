using System.Reflection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using ProfileGrid.Client.Extensions;
using ProfileGrid.Hosting;
using ProfileGrid.Silo.Extensions;
using ProfileGrid.Storage.Postgres.Hosting;

namespace ProfileGrid.Deployment.Tests.Compose;

/// <summary>
/// The configuration keys the hosts read, taken from the code: the settings readers are run against
/// a configuration that records every key they look up; options bound from a section contribute
/// <c>Section:Property</c> for each settable property; plus the hosts' own constants.
/// </summary>
internal static class HostConfigurationKeys
{
    public static IReadOnlySet<string> Silo { get; } = Build(SiloHostExtensions.DemoKey);

    public static IReadOnlySet<string> Gateway { get; } = Build();

    /// <summary>The configuration key an environment variable sets, as ASP.NET Core's hosts map it.</summary>
    public static string KeyOf(string environmentVariable)
    {
        var name = environmentVariable;
        foreach (var prefix in new[] { "ASPNETCORE_", "DOTNET_" })
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) name = name[prefix.Length..];
        }

        return name.Replace("__", ":", StringComparison.Ordinal);
    }

    /// <summary>Runs the shared settings readers and returns every key they looked up.</summary>
    public static IReadOnlySet<string> ReadBySettingsReaders()
    {
        var source = new RecordingSource();
        var configuration = new ConfigurationBuilder().Add(source).Build();
        ProfileGridStorageSettings.FromConfiguration(configuration);
        ProfileGridOperationsSettings.FromConfiguration(configuration);
        return source.Keys.ToHashSet(StringComparer.OrdinalIgnoreCase);
    }

    private static HashSet<string> Build(params string[] hostKeys)
    {
        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { WebHostDefaults.ServerUrlsKey, WebHostDefaults.EnvironmentKey };
        keys.UnionWith(ReadBySettingsReaders());
        keys.UnionWith(hostKeys);
        keys.UnionWith(OptionsKeys());
        return keys;
    }

    /// <summary><c>Section:Property</c> for every options class of ProfileGrid bound from a section (a <c>public const string Section</c>).</summary>
    private static IEnumerable<string> OptionsKeys()
    {
        _ = typeof(GatewayHostExtensions);
        var directory = AppContext.BaseDirectory;
        foreach (var file in Directory.EnumerateFiles(directory, "ProfileGrid.*.dll"))
        {
            var name = Path.GetFileNameWithoutExtension(file);
            if (name.Contains("Tests", StringComparison.Ordinal) || name.Contains("Testing", StringComparison.Ordinal)) continue;
            Type[] types;
            try
            {
                types = Assembly.Load(new AssemblyName(name)).GetTypes();
            }
            catch (ReflectionTypeLoadException e)
            {
                types = [.. e.Types.OfType<Type>()];
            }

            foreach (var type in types)
            {
                if (type.GetField("Section", BindingFlags.Public | BindingFlags.Static) is not { IsLiteral: true } field
                    || field.GetRawConstantValue() is not string section)
                {
                    continue;
                }

                foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
                {
                    yield return $"{section}:{property.Name}";
                }
            }
        }
    }

    private sealed class RecordingSource : IConfigurationSource
    {
        public List<string> Keys { get; } = [];

        public IConfigurationProvider Build(IConfigurationBuilder builder) => new Provider(Keys);

        private sealed class Provider(List<string> keys) : ConfigurationProvider
        {
            public override bool TryGet(string key, out string? value)
            {
                lock (keys) keys.Add(key);
                value = null;
                return false;
            }
        }
    }
}
