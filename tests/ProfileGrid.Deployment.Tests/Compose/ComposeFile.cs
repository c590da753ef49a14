using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace ProfileGrid.Deployment.Tests.Compose;

/// <summary>docker-compose.yml as plain maps and lists, with its YAML merge keys (<c>&lt;&lt;: *silo</c>) applied.</summary>
internal sealed class ComposeFile
{
    private ComposeFile(Dictionary<object, object> root) => Root = root;

    public Dictionary<object, object> Root { get; }

    public static string FilePath => Repository.PathOf("docker-compose.yml");

    public static ComposeFile Load()
    {
        using var reader = new StringReader(File.ReadAllText(FilePath));
        var root = new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(new MergingParser(new Parser(reader)));
        return new ComposeFile(root);
    }

    public IEnumerable<ComposeService> Services =>
        Map(Root, "services").Select(entry => new ComposeService((string)entry.Key, (Dictionary<object, object>)entry.Value));

    public static Dictionary<object, object> Map(Dictionary<object, object> map, string key) =>
        map.TryGetValue(key, out var value) && value is Dictionary<object, object> child ? child : [];
}

/// <summary>One service of the compose file.</summary>
internal sealed record ComposeService(string Name, Dictionary<object, object> Definition)
{
    /// <summary>The Dockerfile the service is built from, relative to the repository root, or null for an image.</summary>
    public string? Dockerfile => ComposeFile.Map(Definition, "build").TryGetValue("dockerfile", out var path) ? (string)path : null;

    public IReadOnlyDictionary<string, string> Environment =>
        ComposeFile.Map(Definition, "environment").ToDictionary(entry => (string)entry.Key, entry => entry.Value?.ToString() ?? "");

    public string? Ipv4Address =>
        ComposeFile.Map(ComposeFile.Map(Definition, "networks"), "grid").TryGetValue("ipv4_address", out var address) ? (string)address : null;

    public IEnumerable<string> HealthCheckTest =>
        ComposeFile.Map(Definition, "healthcheck").TryGetValue("test", out var test) && test is List<object> parts
            ? parts.Select(part => part.ToString()!)
            : [];

    public IEnumerable<string> Ports =>
        Definition.TryGetValue("ports", out var ports) && ports is List<object> list ? list.Select(port => port.ToString()!) : [];

    public string? Command => Definition.TryGetValue("command", out var command) ? command switch
    {
        List<object> parts => string.Join(' ', parts),
        _ => command?.ToString(),
    } : null;
}
