using GraphQL;

namespace ProfileGrid.GraphQL.Transport;

internal static class GraphQLErrorResults
{
    /// <summary>A GraphQL response that failed before execution: errors and no <c>data</c> entry.</summary>
    public static ExecutionResult Create(string code, string message)
        => new() { Errors = [Error(code, message)] };

    public static ExecutionError Error(string code, string message) => new(message) { Code = code };
}
