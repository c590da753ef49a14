using BenchmarkDotNet.Running;
using ProfileGrid.Benchmarks;

// `bare [--urls URL]`: a Kestrel endpoint that answers a fixed JSON document, the machine's HTTP ceiling.
// `latency [--url URL] [--rate 5000] [--seconds 10] [--batch 50] [--warmup 2] [--existing]`: event-to-notification
//   latency over a WebSocket against a running host.
// `memory [--profiles 100000] [--events 20] [--segments 20]`: memory per profile of an embedded grid.
// `segments [--url URL] [--count 100]`: defines that many benchmark segments on a running host (http/segments.sh).
// Anything else: BenchmarkDotNet (e.g. `--filter *Ingestion*`).
// A wrong option of the commands above is reported with exit code 2 (CommandOptions).
try
{
    Environment.ExitCode = args.FirstOrDefault() switch
    {
        "bare" => Bare(args[1..]),
        "latency" => await SubscriptionLatency.Run(args[1..]),
        "memory" => await MemoryFootprint.Run(args[1..]),
        "segments" => await ProfileGrid.Benchmarks.Segments.DefineOverHttp.Run(args[1..]),
        _ => BenchmarkDotNet(args),
    };
}
catch (CommandLineException e)
{
    Console.Error.WriteLine(e.Message);
    Environment.ExitCode = 2;
}

static int Bare(string[] args)
{
    BareKestrel.Run(args);
    return 0;
}

static int BenchmarkDotNet(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(IngestionBenchmarks).Assembly).Run(args);
    return 0;
}
