namespace ProfileGrid.Testing.Postgres;

/// <summary>
/// Where the tests get PostgreSQL from, decided once per test process and cheap enough to consult
/// while tests are being discovered.
/// </summary>
/// <remarks>
/// <list type="number">
/// <item><c>PROFILEGRID_TEST_POSTGRES</c>: a connection string to an existing server whose user
/// may create databases. Used as is.</item>
/// <item>Otherwise a throwaway server is started from the machine's binaries:
/// <c>PROFILEGRID_TEST_POSTGRES_BIN</c> (a directory holding <c>initdb</c>), else the highest
/// version under <c>/usr/lib/postgresql/*/bin</c>, else <c>initdb</c> on the <c>PATH</c>.</item>
/// <item>Otherwise PostgreSQL is unavailable: tests are skipped, unless <c>CI</c> is
/// <c>true</c>, in which case they fail. A CI run never passes by skipping.</item>
/// </list>
/// </remarks>
public static class PostgresTestEnvironment
{
    /// <summary>Connection string of an existing server to use instead of starting one.</summary>
    public const string ConnectionStringVariable = "PROFILEGRID_TEST_POSTGRES";

    /// <summary>Directory holding <c>initdb</c>, <c>pg_ctl</c> and <c>postgres</c>.</summary>
    public const string BinariesVariable = "PROFILEGRID_TEST_POSTGRES_BIN";

    private static readonly Lazy<string?> BinDirectory = new(FindBinDirectory);

    /// <summary>True when the <c>CI</c> variable is <c>true</c> (or <c>1</c>).</summary>
    public static bool IsCi =>
        Environment.GetEnvironmentVariable("CI") is { } ci
        && (ci.Equals("true", StringComparison.OrdinalIgnoreCase) || ci == "1");

    /// <summary>The external server's connection string, if one is configured.</summary>
    public static string? ExternalConnectionString =>
        Environment.GetEnvironmentVariable(ConnectionStringVariable) is { Length: > 0 } value ? value : null;

    /// <summary>The directory of the binaries a throwaway server would use, if any were found.</summary>
    public static string? BinariesDirectory => BinDirectory.Value;

    /// <summary>True when tests can get a PostgreSQL server.</summary>
    public static bool IsAvailable => ExternalConnectionString is not null || BinariesDirectory is not null;

    /// <summary>Why tests cannot get a server, for skip and failure messages.</summary>
    public static string UnavailableReason =>
        $"PostgreSQL is not available: {ConnectionStringVariable} is not set and no PostgreSQL binaries were found " +
        $"({BinariesVariable}, /usr/lib/postgresql/*/bin, PATH). Run .ci/install-postgres.sh or point {ConnectionStringVariable} at a server.";

    /// <summary>
    /// The reason to skip PostgreSQL tests, or null when they must run (PostgreSQL available, or
    /// CI, where a missing PostgreSQL is a failure).
    /// </summary>
    public static string? SkipReason => IsAvailable || IsCi ? null : UnavailableReason;

    private static string? FindBinDirectory()
    {
        if (Environment.GetEnvironmentVariable(BinariesVariable) is { Length: > 0 } configured)
        {
            return HasServerBinaries(configured) ? configured : null;
        }

        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            var highest = Directory.EnumerateDirectories(debianRoot)
                .Select(directory => (Directory: Path.Combine(directory, "bin"), Version: ParseVersion(Path.GetFileName(directory))))
                .Where(candidate => candidate.Version is not null && HasServerBinaries(candidate.Directory))
                .OrderByDescending(candidate => candidate.Version)
                .Select(candidate => candidate.Directory)
                .FirstOrDefault();
            if (highest is not null)
            {
                return highest;
            }
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(HasServerBinaries);
    }

    private static Version? ParseVersion(string name) =>
        Version.TryParse(name.Contains('.', StringComparison.Ordinal) ? name : name + ".0", out var version) ? version : null;

    private static bool HasServerBinaries(string directory) =>
        File.Exists(Path.Combine(directory, "initdb"))
        && File.Exists(Path.Combine(directory, "pg_ctl"))
        && File.Exists(Path.Combine(directory, "postgres"));
}
