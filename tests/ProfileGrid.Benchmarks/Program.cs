using BenchmarkDotNet.Running;
using ProfileGrid.Benchmarks;

// `bare [--urls URL]`: a Kestrel endpoint that answers a fixed JSON document, the machine's HTTP ceiling.
// `latency [--url URL] [--rate 5000] [--seconds 10] [--existing]`: event-to-notification latency over a WebSocket against a running host.
// `memory [--profiles 100000] [--events 20] [--segments 20]`: memory per profile of an embedded grid.
// `segments [--url URL] [--count 100]`: defines that many benchmark segments on a running host (http/segments.sh).
// Anything else: BenchmarkDotNet (e.g. `--filter *Ingestion*`).
if (args.Length > 0 && args[0] == "bare")
{
    BareKestrel.Run(args[1..]);
    return;
}
if (args.Length > 0 && args[0] == "latency")
{
    Environment.ExitCode = await SubscriptionLatency.Run(args[1..]);
    return;
}
if (args.Length > 0 && args[0] == "memory")
{
    Environment.ExitCode = await MemoryFootprint.Run(args[1..]);
    return;
}
if (args.Length > 0 && args[0] == "segments")
{
    Environment.ExitCode = await ProfileGrid.Benchmarks.Segments.DefineOverHttp.Run(args[1..]);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(IngestionBenchmarks).Assembly).Run(args);
