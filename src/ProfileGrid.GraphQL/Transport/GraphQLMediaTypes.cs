using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace ProfileGrid.GraphQL.Transport;

/// <summary>The media types of GraphQL over HTTP, and content negotiation between them.</summary>
public static class GraphQLMediaTypes
{
    /// <summary>The GraphQL response media type; its status codes tell request errors from results.</summary>
    public const string GraphQLResponseJson = "application/graphql-response+json";

    /// <summary>The legacy response media type, and the request body media type.</summary>
    public const string Json = "application/json";

    /// <summary>
    /// Picks the response media type for an Accept header, or null when it admits neither (406).
    /// The highest quality wins; on a tie, and for <c>*/*</c>, <c>application/*</c> or no Accept
    /// header at all, <c>application/graphql-response+json</c> wins. The GraphQL-over-HTTP spec's
    /// legacy watershed (2025-01-01) says a request without Accept SHOULD be treated as accepting
    /// <c>application/graphql-response+json</c>; legacy clients that need 200 for every well-formed
    /// request get it by sending <c>Accept: application/json</c>.
    /// </summary>
    public static string? NegotiateResponse(StringValues accept)
    {
        if (StringValues.IsNullOrEmpty(accept))
        {
            return GraphQLResponseJson;
        }

        // Non-strict parsing skips malformed entries; if nothing usable is left the header admits
        // nothing we can name, which is a 406 rather than a guess.
        if (!MediaTypeHeaderValue.TryParseList(accept, out var ranges) || ranges.Count == 0)
        {
            return null;
        }

        var graphQLResponseQuality = Quality(ranges, "application", "graphql-response+json");
        var jsonQuality = Quality(ranges, "application", "json");
        if (graphQLResponseQuality <= 0 && jsonQuality <= 0)
        {
            return null;
        }

        return graphQLResponseQuality >= jsonQuality ? GraphQLResponseJson : Json;
    }

    /// <summary>
    /// Whether a request Content-Type is JSON the server reads: <c>application/json</c>, UTF-8 or
    /// without a charset (which the spec says means UTF-8).
    /// </summary>
    internal static bool IsJsonRequest(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var parsed)
            || !parsed.MediaType.Equals(Json, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return !parsed.Charset.HasValue
            || parsed.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase)
            || parsed.Charset.Equals("utf8", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// The quality an Accept header gives a media type: that of the most specific range matching it
    /// (RFC 9110 §12.5.1), 0 when none does. A range naming another charset than UTF-8 does not match.
    /// </summary>
    private static double Quality(IList<MediaTypeHeaderValue> ranges, string type, string subtype)
    {
        var bestSpecificity = 0;
        var quality = 0.0;
        foreach (var range in ranges)
        {
            if (range.Charset.HasValue && !range.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            int specificity;
            if (range.MatchesAllTypes)
            {
                specificity = 1;
            }
            else if (!range.Type.Equals(type, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            else if (range.MatchesAllSubTypes)
            {
                specificity = 2;
            }
            else if (range.SubType.Equals(subtype, StringComparison.OrdinalIgnoreCase))
            {
                specificity = 3;
            }
            else
            {
                continue;
            }

            var rangeQuality = range.Quality ?? 1.0;
            if (specificity > bestSpecificity || (specificity == bestSpecificity && rangeQuality > quality))
            {
                bestSpecificity = specificity;
                quality = rangeQuality;
            }
        }

        return quality;
    }
}
