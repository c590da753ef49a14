using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace ProfileGrid.Benchmarks.Segments;

/// <summary>
/// <code>segments [--url http://127.0.0.1:5000] [--count 100]</code>
/// Defines <c>bench-0</c> … <c>bench-(count-1)</c> (<see cref="BenchmarkSegments.Expression"/>) on a running host
/// through GraphQL, so that an HTTP benchmark (http/segments.sh) ingests with that many live segments.
/// </summary>
public static class DefineOverHttp
{
    public static async Task<int> Run(string[] args)
    {
        var options = CommandOptions.Parse("segments", args, ["--url", "--count"]);
        var url = options.Url("--url", "http://127.0.0.1:5000");
        var count = options.Int("--count", 100);
        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(60) };
        for (var i = 0; i < count; i++)
        {
            var variables = new { s = new { id = $"bench-{i}", name = $"Benchmark segment {i}", expression = BenchmarkSegments.Expression(i) } };
            using var response = await http.PostAsJsonAsync("/graphql",
                new { query = "mutation($s: SegmentInput!) { defineSegment(input: $s) { id } }", variables });
            var json = JsonNode.Parse(await response.Content.ReadAsStringAsync());
            if (json?["errors"] is { } errors)
            {
                Console.Error.WriteLine($"bench-{i}: {errors}");
                return 1;
            }
        }
        Console.WriteLine($"defined {count} segments on {url}");
        return 0;
    }
}
