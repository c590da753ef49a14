namespace ProfileGrid.Deployment.Tests.Compose;

/// <summary>
/// A fact that runs the <c>docker-compose</c> command (Debian package <c>docker-compose</c>; no
/// Docker engine needed for <c>config</c>). Skipped with the reason when it is not installed, except
/// under <c>CI=true</c>, where it runs and fails.
/// </summary>
public sealed class DockerComposeFactAttribute : FactAttribute
{
    public DockerComposeFactAttribute()
    {
        if (DockerCompose.Path is null && !PostgresTestEnvironment.IsCi)
        {
            Skip = "docker-compose is not installed (apt-get install docker-compose); CI=true makes this a failure";
        }
    }
}

internal static class DockerCompose
{
    public static string? Path { get; } =
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => System.IO.Path.Combine(directory, "docker-compose"))
            .FirstOrDefault(File.Exists);
}
