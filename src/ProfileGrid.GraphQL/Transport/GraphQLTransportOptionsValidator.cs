using Microsoft.Extensions.Options;

namespace ProfileGrid.GraphQL.Transport;

/// <summary>
/// Rejects option values the transports cannot work with at start-up, naming the configuration
/// key, instead of failing on the first request.
/// </summary>
internal sealed class GraphQLTransportOptionsValidator : IValidateOptions<GraphQLTransportOptions>
{
    public ValidateOptionsResult Validate(string? name, GraphQLTransportOptions options)
    {
        var failures = new List<string>();
        const string Section = GraphQLTransportOptions.SectionName;

        if (options.MaxRequestBytes < 1)
        {
            failures.Add($"{Section}:MaxRequestBytes must be at least 1 (was {options.MaxRequestBytes}).");
        }

        if (options.MaxDepth < 1)
        {
            failures.Add($"{Section}:MaxDepth must be at least 1 (was {options.MaxDepth}).");
        }

        if (options.MaxComplexity < 1)
        {
            failures.Add($"{Section}:MaxComplexity must be at least 1 (was {options.MaxComplexity}).");
        }

        if (options.ExecutionTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{Section}:ExecutionTimeout must be positive (was {options.ExecutionTimeout}).");
        }

        if (options.ConnectionInitWaitTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{Section}:ConnectionInitWaitTimeout must be positive (was {options.ConnectionInitWaitTimeout}).");
        }

        if (options.MaxSubscriptionsPerConnection < 1)
        {
            failures.Add($"{Section}:MaxSubscriptionsPerConnection must be at least 1 (was {options.MaxSubscriptionsPerConnection}).");
        }

        if (options.MaxPendingWebSocketMessages < 1)
        {
            failures.Add($"{Section}:MaxPendingWebSocketMessages must be at least 1 (was {options.MaxPendingWebSocketMessages}).");
        }

        if (options.PingInterval is { } ping && ping <= TimeSpan.Zero)
        {
            failures.Add($"{Section}:PingInterval must be positive when set (was {ping}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
