using System.Reflection;

namespace ProfileGrid.Deployment.Tests;

/// <summary>Where the repository and the hosts' build outputs are, found from the test assembly.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>The configuration these tests were built in; the hosts were built in the same one.</summary>
    public static string Configuration { get; } =
        typeof(Repository).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>The host's own build output (with its deps.json and runtimeconfig.json), as <c>dotnet</c> runs it.</summary>
    public static string HostDll(string hostFolder, Assembly hostAssembly)
    {
        var dll = PathOf(hostFolder, "bin", Configuration, "net10.0", hostAssembly.GetName().Name + ".dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: build {hostFolder} in {Configuration} first");
        return dll;
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ProfileGrid.sln"))) return directory.FullName;
        }

        throw new InvalidOperationException($"No ProfileGrid.sln above {AppContext.BaseDirectory}");
    }
}
