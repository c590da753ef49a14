using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace ProfileGrid.Deployment.Tests.Processes;

/// <summary>
/// A silo or gateway running as its own process (<c>dotnet Host.dll --Key=Value ...</c>), the way an
/// operator runs it, so that it can be killed with SIGKILL or stopped with SIGTERM.
/// </summary>
internal sealed class HostProcess : IAsyncDisposable
{
    private const int Sigterm = 15;
    private const int Sigstop = 19;
    private readonly Process process;
    private readonly ConcurrentQueue<string> output = new();

    private HostProcess(string name, Process process, Uri http)
    {
        Name = name;
        this.process = process;
        Http = http;
    }

    public string Name { get; }

    public Uri Http { get; }

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    public static HostProcess Start(string name, string dll, int httpPort, IReadOnlyDictionary<string, string> settings)
    {
        var http = new Uri($"http://127.0.0.1:{httpPort}");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add($"--urls={http}");
        start.ArgumentList.Add("--Logging:LogLevel:Default=Warning");
        start.ArgumentList.Add("--Logging:LogLevel:ProfileGrid=Information");
        start.ArgumentList.Add("--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information");
        foreach (var (key, value) in settings) start.ArgumentList.Add($"--{key}={value}");
        foreach (var variable in new[] { "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT" }) start.Environment.Remove(variable);

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var host = new HostProcess(name, process, http);
        process.OutputDataReceived += (_, e) => host.Record(e.Data);
        process.ErrorDataReceived += (_, e) => host.Record(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    /// <summary>Polls <c>/health/ready</c> until it answers 200; fails with the host's output if it exits or takes too long.</summary>
    public async Task WaitUntilReadyAsync(HttpClient client, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (process.HasExited) throw new InvalidOperationException($"{Name} exited with {process.ExitCode} before it was ready:\n{RecentOutput()}");
            try
            {
                using var response = await client.GetAsync(new Uri(Http, "/health/ready"));
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Busy starting.
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"{Name} was not ready within {timeout}:\n{RecentOutput()}");
    }

    /// <summary>SIGKILL: no drain, no goodbye to the cluster.</summary>
    public void Kill()
    {
        if (!process.HasExited) process.Kill(entireProcessTree: true);
    }

    /// <summary>SIGTERM, as docker stop or Kubernetes send it.</summary>
    public void Terminate()
    {
        if (!process.HasExited && SendSignal(process.Id, Sigterm) != 0)
        {
            throw new InvalidOperationException($"kill({process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>SIGSTOP: the process stays, its sockets stay open, and it answers nothing (a hung or partitioned node).</summary>
    public void Freeze()
    {
        if (!process.HasExited && SendSignal(process.Id, Sigstop) != 0)
        {
            throw new InvalidOperationException($"kill({process.Id}, SIGSTOP) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public string RecentOutput() => string.Join('\n', output.TakeLast(80));

    public async ValueTask DisposeAsync()
    {
        Kill();
        await WaitForExitAsync(TimeSpan.FromSeconds(10));
        process.Dispose();
    }

    private void Record(string? line)
    {
        if (line is null) return;
        output.Enqueue(line);
        while (output.Count > 400) output.TryDequeue(out _);
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}
