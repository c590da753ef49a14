using BenchmarkDotNet.Running;
using ProfileGrid.Benchmarks;

// `bare [--urls URL]`: a Kestrel endpoint that answers a fixed JSON document, the machine's HTTP ceiling.
// Anything else: BenchmarkDotNet (e.g. `--filter *Ingestion*`).
if (args.Length > 0 && args[0] == "bare")
{
    BareKestrel.Run(args[1..]);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(IngestionBenchmarks).Assembly).Run(args);
