using System.Net.Http.Headers;

namespace ProfileGrid.GraphQL.Transport.Tests;

public sealed record GraphQLHttpResponse(HttpStatusCode Status, string? MediaType, string? CharSet, JsonElement Body, HttpResponseMessage Message)
{
    public string FirstErrorMessage => Body.GetProperty("errors")[0].GetProperty("message").GetString()!;

    public string? FirstErrorCode => Body.GetProperty("errors")[0].TryGetProperty("extensions", out var extensions)
        && extensions.TryGetProperty("code", out var code) ? code.GetString() : null;

    public bool HasData => Body.TryGetProperty("data", out _);
}

public static class HttpTestExtensions
{
    public const string GraphQLResponseJson = "application/graphql-response+json";
    public const string Json = "application/json";

    public static Task<GraphQLHttpResponse> PostGraphQLAsync(this HttpClient client, object body, string? accept = GraphQLResponseJson, string path = "")
        => client.PostRawAsync(JsonSerializer.Serialize(body), accept, path: path);

    public static async Task<GraphQLHttpResponse> PostRawAsync(this HttpClient client, string body, string? accept = GraphQLResponseJson, string contentType = Json, string path = "")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(body, Encoding.UTF8),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return await client.SendGraphQLAsync(request, accept);
    }

    public static async Task<GraphQLHttpResponse> GetGraphQLAsync(this HttpClient client, string queryString, string? accept = GraphQLResponseJson)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, queryString);
        return await client.SendGraphQLAsync(request, accept);
    }

    public static async Task<GraphQLHttpResponse> SendGraphQLAsync(this HttpClient client, HttpRequestMessage request, string? accept)
    {
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonElement body;
        try
        {
            using var document = JsonDocument.Parse(text);
            body = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new Xunit.Sdk.XunitException($"response {(int)response.StatusCode} is not JSON: {text}");
        }

        return new GraphQLHttpResponse(response.StatusCode, response.Content.Headers.ContentType?.MediaType, response.Content.Headers.ContentType?.CharSet, body, response);
    }

    public static string Query(params (string Name, string Value)[] parameters)
        => "?" + string.Join("&", parameters.Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value)}"));
}
