using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using GraphQL;
using GraphQL.Transport;

namespace ProfileGrid.GraphQL.Transport;

/// <summary>
/// Reads the GraphQL request parameters (query, operationName, variables, extensions) from a JSON
/// object or from URL parameters, with errors that name the parameter and the rule it broke.
/// </summary>
internal static class GraphQLRequestReader
{
    public static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64 };

    /// <summary>Reads a request from a JSON object (a POST body or a subscribe message's payload).</summary>
    public static bool TryRead(
        JsonElement element,
        GraphQLTransportSerializer serializer,
        string what,
        [NotNullWhen(true)] out GraphQLRequest? request,
        [NotNullWhen(false)] out string? error)
    {
        request = null;
        if (element.ValueKind != JsonValueKind.Object)
        {
            error = $"{what} must be a JSON object with a \"query\" string, not {Describe(element.ValueKind)}";
            return false;
        }

        string? query = null;
        string? operationName = null;
        Inputs? variables = null;
        Inputs? extensions = null;
        foreach (var property in element.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "query":
                    if (value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
                    {
                        error = $"\"query\" must be a string, not {Describe(value.ValueKind)}";
                        return false;
                    }

                    query = value.GetString();
                    break;
                case "operationName":
                    if (value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
                    {
                        error = $"\"operationName\" must be a string or null, not {Describe(value.ValueKind)}";
                        return false;
                    }

                    operationName = value.GetString();
                    break;
                case "variables":
                case "extensions":
                    if (value.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
                    {
                        error = $"\"{property.Name}\" must be an object or null, not {Describe(value.ValueKind)}";
                        return false;
                    }

                    var inputs = value.ValueKind == JsonValueKind.Null ? null : serializer.ReadNode<Inputs>(value);
                    if (property.Name == "variables")
                    {
                        variables = inputs;
                    }
                    else
                    {
                        extensions = inputs;
                    }

                    break;
                default:
                    // The spec reserves other names for future use; ignoring them keeps clients that
                    // send extra fields (e.g. Apollo's "id") working.
                    break;
            }
        }

        if (query is null)
        {
            error = "\"query\" is required: the GraphQL document as a string";
            return false;
        }

        request = new GraphQLRequest
        {
            Query = query,
            OperationName = string.IsNullOrEmpty(operationName) ? null : operationName,
            Variables = variables,
            Extensions = extensions,
        };
        error = null;
        return true;
    }

    /// <summary>
    /// Reads a parameter that carries JSON text (GET's variables and extensions): a JSON object, or
    /// absent.
    /// </summary>
    public static bool TryReadJsonObjectParameter(
        string name,
        string? text,
        GraphQLTransportSerializer serializer,
        out Inputs? inputs,
        [NotNullWhen(false)] out string? errorCode,
        [NotNullWhen(false)] out string? error)
    {
        inputs = null;
        errorCode = null;
        error = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        try
        {
            using var document = JsonDocument.Parse(text, DocumentOptions);
            if (document.RootElement.ValueKind == JsonValueKind.Null)
            {
                return true;
            }

            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                errorCode = GraphQLTransportErrorCodes.InvalidRequest;
                error = $"\"{name}\" must be a JSON object, not {Describe(document.RootElement.ValueKind)}";
                return false;
            }

            inputs = serializer.ReadNode<Inputs>(document.RootElement);
            return true;
        }
        catch (JsonException exception)
        {
            errorCode = GraphQLTransportErrorCodes.InvalidJson;
            error = DescribeJsonError($"the \"{name}\" parameter", exception);
            return false;
        }
    }

    /// <summary>
    /// "request body is not valid JSON at line 1, byte 10: '}' is an invalid start of a value."
    /// System.Text.Json counts lines and bytes from 0; people count from 1.
    /// </summary>
    public static string DescribeJsonError(string what, JsonException exception)
    {
        var reason = exception.Message;
        var positionSuffix = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (positionSuffix >= 0)
        {
            reason = reason[..positionSuffix];
        }

        if (exception.LineNumber is { } line && exception.BytePositionInLine is { } position)
        {
            return $"{what} is not valid JSON at line {line + 1}, byte {position + 1}: {reason}";
        }

        return $"{what} is not valid JSON: {reason}";
    }

    public static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
