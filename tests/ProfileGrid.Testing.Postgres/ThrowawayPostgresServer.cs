using System.Diagnostics;
using System.Globalization;

namespace ProfileGrid.Testing.Postgres;

/// <summary>
/// A PostgreSQL server of its own for one test process: initdb into a temporary directory, listen
/// on a free port of 127.0.0.1 (and a Unix socket in that directory), no fsync.
/// </summary>
/// <remarks>
/// The server runs under a small shell watchdog that holds the read end of a pipe whose write end
/// only this process holds. When this process exits, however it exits (even SIGKILL), the pipe
/// closes, and the watchdog stops the server immediately and deletes its directory. A server that
/// fails to start leaves its directory (and log) to the next attempt; directories of test
/// processes that no longer exist are removed by the next server to start.
/// </remarks>
internal sealed class ThrowawayPostgresServer
{
    private const string DirectoryPrefix = "profilegrid-pg-";
    private const string OwnerFile = "owner.pid";
    private const string ServiceUser = "postgres";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    // $1 bin directory, $2 data directory, $3 root (socket) directory, $4 port, $5 log file.
    private const string WatchdogScript = """
        exec 3<&0
        "$1/postgres" -D "$2" -p "$4" -k "$3" \
            -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off \
            -c max_connections=300 -c log_checkpoints=off >> "$5" 2>&1 < /dev/null &
        server=$!
        ( read -r _ <&3; touch "$3/stop-$4"; kill -QUIT "$server" 2>/dev/null ) &
        wait "$server"
        status=$?
        if [ -e "$3/stop-$4" ]; then rm -rf "$3"; exit 0; fi
        cat "$5" >&2
        exit "$status"
        """;

    private readonly Process watchdog;
    private readonly string rootDirectory;
    private int stopped;

    private ThrowawayPostgresServer(Process watchdog, string rootDirectory, int port)
    {
        this.watchdog = watchdog;
        this.rootDirectory = rootDirectory;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString => ConnectionStringFor(Port);

    /// <summary>Runs the server as the <c>postgres</c> OS user when this process is root (initdb refuses root).</summary>
    private static bool RunAsServiceUser => Environment.IsPrivilegedProcess;

    public static async Task<ThrowawayPostgresServer> StartAsync(string binDirectory)
    {
        RemoveAbandonedDirectories();

        var root = Path.Combine(Path.GetTempPath(), DirectoryPrefix + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        await File.WriteAllTextAsync(Path.Combine(root, OwnerFile), Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
            .ConfigureAwait(false);
        try
        {
            if (RunAsServiceUser)
            {
                await RunAsync("chown", [ServiceUser, root], asServiceUser: false).ConfigureAwait(false);
            }

            var data = Path.Combine(root, "data");
            await RunAsync(
                Path.Combine(binDirectory, "initdb"),
                ["-D", data, "-U", ServiceUser, "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"],
                RunAsServiceUser).ConfigureAwait(false);

            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    var server = await LaunchAsync(binDirectory, root, data, LoopbackPorts.Next()).ConfigureAwait(false);
                    AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop();
                    return server;
                }
                catch (InvalidOperationException) when (attempt < 3)
                {
                    // Most likely the port was taken between choosing and binding it; try another.
                }
            }
        }
        catch
        {
            TryDelete(root);
            throw;
        }
    }

    /// <summary>Tells the watchdog to stop the server and delete it, and waits briefly for that.</summary>
    public void Stop()
    {
        if (Interlocked.Exchange(ref stopped, 1) != 0)
        {
            return;
        }

        try
        {
            watchdog.StandardInput.Close();
            watchdog.WaitForExit(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            // The watchdog is gone already.
        }
    }

    private static async Task<ThrowawayPostgresServer> LaunchAsync(string binDirectory, string root, string data, int port)
    {
        var log = Path.Combine(root, "server.log");
        var watchdog = Start("/bin/sh", ["-c", WatchdogScript, "profilegrid-postgres", binDirectory, data, root, port.ToString(CultureInfo.InvariantCulture), log], RunAsServiceUser, redirectInput: true);
        var errors = watchdog.StandardError.ReadToEndAsync();
        _ = watchdog.StandardOutput.ReadToEndAsync();

        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (watchdog.HasExited)
            {
                watchdog.StandardInput.Close();
                throw new InvalidOperationException(
                    $"PostgreSQL did not start on port {port} (exit code {watchdog.ExitCode}).{Environment.NewLine}{await errors.ConfigureAwait(false)}");
            }

            if (await AcceptsConnectionsAsync(port).ConfigureAwait(false))
            {
                return new ThrowawayPostgresServer(watchdog, root, port);
            }

            if (DateTime.UtcNow > deadline)
            {
                watchdog.StandardInput.Close();
                throw new InvalidOperationException($"PostgreSQL did not accept connections on port {port} within {StartTimeout.TotalSeconds} s.");
            }

            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    private static async Task<bool> AcceptsConnectionsAsync(int port)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(ConnectionStringFor(port)) { Pooling = false, Timeout = 2 }.ConnectionString;
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync().ConfigureAwait(false);
            return true;
        }
        catch (NpgsqlException)
        {
            return false;
        }
    }

    private static string ConnectionStringFor(int port) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = port,
        Username = ServiceUser,
        Database = "postgres",
        IncludeErrorDetail = true,
    }.ConnectionString;

    /// <summary>Deletes directories of test processes that no longer exist and whose watchdog could not clean up.</summary>
    private static void RemoveAbandonedDirectories()
    {
        foreach (var directory in Directory.EnumerateDirectories(Path.GetTempPath(), DirectoryPrefix + "*"))
        {
            var ownerFile = Path.Combine(directory, OwnerFile);
            if (File.Exists(ownerFile)
                && int.TryParse(File.ReadAllText(ownerFile), NumberStyles.None, CultureInfo.InvariantCulture, out var owner)
                && !IsRunning(owner)
                && !File.Exists(Path.Combine(directory, "data", "postmaster.pid")))
            {
                TryDelete(directory);
            }
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static bool IsRunning(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static async Task RunAsync(string file, IReadOnlyList<string> arguments, bool asServiceUser)
    {
        using var process = Start(file, arguments, asServiceUser, redirectInput: false);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} did not finish within {CommandTimeout.TotalSeconds} s.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{file} {string.Join(' ', arguments)} exited with code {process.ExitCode}.{Environment.NewLine}{await error.ConfigureAwait(false)}{await output.ConfigureAwait(false)}");
        }
    }

    private static Process Start(string file, IReadOnlyList<string> arguments, bool asServiceUser, bool redirectInput)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardInput = redirectInput,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (!asServiceUser)
        {
            start.FileName = file;
            AddArguments(start, arguments);
        }
        else if (FindRunUser() is { } runuser)
        {
            start.FileName = runuser;
            AddArguments(start, ["-u", ServiceUser, "--", file, .. arguments]);
        }
        else
        {
            start.FileName = "su";
            var command = string.Join(' ', new[] { file }.Concat(arguments).Select(ShellQuote));
            AddArguments(start, ["-s", "/bin/sh", ServiceUser, "-c", command]);
        }

        return Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
    }

    private static void AddArguments(ProcessStartInfo start, IEnumerable<string> arguments)
    {
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
    }

    private static string? FindRunUser() =>
        new[] { "/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser" }.FirstOrDefault(File.Exists);

    private static string ShellQuote(string argument) => "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
