using System.Globalization;

namespace ProfileGrid.Benchmarks;

/// <summary>A benchmark command's command line was wrong; the message names the option and the rule.</summary>
public sealed class CommandLineException(string message) : Exception(message);

/// <summary>
/// The options of one benchmark command: <c>--name value</c> pairs and bare <c>--flag</c>s, each known to the
/// command. An unknown option, a repeated one, a missing value or a number out of range is an error naming the
/// option, not a silent default.
/// </summary>
public sealed class CommandOptions
{
    private readonly string _command;
    private readonly Dictionary<string, string?> _given;

    private CommandOptions(string command, Dictionary<string, string?> given) => (_command, _given) = (command, given);

    /// <param name="command">The command's name, for messages.</param>
    /// <param name="args">What followed the command's name.</param>
    /// <param name="valued">Options that take a value.</param>
    /// <param name="flags">Options that stand alone.</param>
    public static CommandOptions Parse(string command, string[] args, string[] valued, string[]? flags = null)
    {
        flags ??= [];
        var given = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string? value = null;
            if (valued.Contains(name))
            {
                if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    throw new CommandLineException($"{command}: {name} needs a value");
                value = args[++i];
            }
            else if (!flags.Contains(name))
            {
                throw new CommandLineException(
                    $"{command}: unknown option '{name}'; it takes {string.Join(", ", valued.Select(v => v + " VALUE").Concat(flags))}");
            }
            if (!given.TryAdd(name, value)) throw new CommandLineException($"{command}: {name} is given twice");
        }
        return new CommandOptions(command, given);
    }

    public bool Flag(string name) => _given.ContainsKey(name);

    /// <summary>A whole number of at least <paramref name="min"/>, or <paramref name="fallback"/> when not given.</summary>
    public int Int(string name, int fallback, int min = 1)
    {
        if (!_given.TryGetValue(name, out var text)) return fallback;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min)
            throw new CommandLineException($"{_command}: {name} must be a whole number of at least {min}, not '{text}'");
        return value;
    }

    /// <summary>An absolute http or https address, or <paramref name="fallback"/> when not given.</summary>
    public Uri Url(string name, string fallback)
    {
        var text = _given.TryGetValue(name, out var given) ? given! : fallback;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            throw new CommandLineException($"{_command}: {name} must be an absolute http:// or https:// address, not '{text}'");
        return url;
    }
}
