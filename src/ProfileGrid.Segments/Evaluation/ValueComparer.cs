namespace ProfileGrid.Segments.Evaluation;

/// <summary>
/// The run-time meaning of the operators. Values of different kinds never compare: any comparison with a
/// missing value or a value of another kind is false (this is what makes dynamically typed traits safe).
/// </summary>
internal static class ValueComparer
{
    private const int StackBufferBytes = 256;

    public static bool Compare(in SegmentValue left, ComparisonOperator op, in SegmentValue right)
    {
        switch (op)
        {
            case ComparisonOperator.Equal:
                return AreEqual(left, right) == true;
            case ComparisonOperator.NotEqual:
                return AreEqual(left, right) == false;
            case ComparisonOperator.Contains:
                return Contains(left, right);
            case ComparisonOperator.StartsWith:
                return StartsWith(left, right);
        }

        if (Order(left, right) is not { } order)
        {
            return false;
        }

        return op switch
        {
            ComparisonOperator.Less => order < 0,
            ComparisonOperator.LessOrEqual => order <= 0,
            ComparisonOperator.Greater => order > 0,
            _ => order >= 0,
        };
    }

    /// <summary>True when the left value equals one of the items; a JSON array matches when any element does.</summary>
    public static bool IsIn(in SegmentValue left, SegmentValue[] items)
    {
        if (left.Kind == ValueKind.Json && left.Json.ValueKind == JsonValueKind.Array)
        {
            foreach (var element in left.Json.EnumerateArray())
            {
                var value = SegmentValue.FromJson(element);
                if (IsInScalar(value, items))
                {
                    return true;
                }
            }

            return false;
        }

        return IsInScalar(left, items);
    }

    private static bool IsInScalar(in SegmentValue left, SegmentValue[] items)
    {
        foreach (var item in items)
        {
            if (AreEqual(left, item) == true)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Null when the two values cannot be compared (missing, or of different kinds).</summary>
    public static bool? AreEqual(SegmentValue left, SegmentValue right)
    {
        CoerceDates(ref left, ref right);
        return (left.Kind, right.Kind) switch
        {
            (ValueKind.Number, ValueKind.Number) => left.Number == right.Number,
            (ValueKind.Boolean, ValueKind.Boolean) or (ValueKind.Date, ValueKind.Date) => left.Ticks == right.Ticks,
            (ValueKind.String, ValueKind.String) => string.Equals(left.Text, right.Text, StringComparison.Ordinal),
            (ValueKind.String, ValueKind.Json) when right.IsJsonString => right.Json.ValueEquals(left.Text),
            (ValueKind.Json, ValueKind.String) when left.IsJsonString => left.Json.ValueEquals(right.Text),
            (ValueKind.Json, ValueKind.Json) when left.IsJsonString && right.IsJsonString =>
                string.Equals(left.Json.GetString(), right.Json.GetString(), StringComparison.Ordinal),
            _ => null,
        };
    }

    private static int? Order(SegmentValue left, SegmentValue right)
    {
        CoerceDates(ref left, ref right);
        return (left.Kind, right.Kind) switch
        {
            (ValueKind.Number, ValueKind.Number) => left.Number.CompareTo(right.Number),
            (ValueKind.Date, ValueKind.Date) => left.Ticks.CompareTo(right.Ticks),
            _ when AsText(left) is { } l && AsText(right) is { } r => string.CompareOrdinal(l, r),
            _ => null,
        };
    }

    private static bool Contains(in SegmentValue left, in SegmentValue right)
    {
        if (left.Kind == ValueKind.Json && left.Json.ValueKind == JsonValueKind.Array)
        {
            foreach (var element in left.Json.EnumerateArray())
            {
                if (AreEqual(SegmentValue.FromJson(element), right) == true)
                {
                    return true;
                }
            }

            return false;
        }

        return MatchText(left, right, prefixOnly: false);
    }

    private static bool StartsWith(in SegmentValue left, in SegmentValue right) => MatchText(left, right, prefixOnly: true);

    private static bool MatchText(in SegmentValue haystack, in SegmentValue needle, bool prefixOnly)
    {
        var needleText = AsText(needle);
        if (needleText is null)
        {
            return false;
        }

        if (haystack.Kind == ValueKind.String)
        {
            return prefixOnly
                ? haystack.Text!.StartsWith(needleText, StringComparison.Ordinal)
                : haystack.Text!.Contains(needleText, StringComparison.Ordinal);
        }

        return haystack.IsJsonString && MatchJsonText(haystack.Json, needleText, prefixOnly);
    }

    /// <summary>
    /// Substring and prefix tests directly on the UTF-8 of a JSON string: ordinal matching on UTF-8 bytes equals
    /// ordinal matching on characters for well-formed text, and it avoids materialising the string.
    /// </summary>
    private static bool MatchJsonText(JsonElement haystack, string needle, bool prefixOnly)
    {
        var raw = JsonMarshal.GetRawUtf8Value(haystack);
        raw = raw[1..^1];
        if (raw.IndexOf((byte)'\\') >= 0)
        {
            var text = haystack.GetString()!;
            return prefixOnly ? text.StartsWith(needle, StringComparison.Ordinal) : text.Contains(needle, StringComparison.Ordinal);
        }

        var maxBytes = Encoding.UTF8.GetMaxByteCount(needle.Length);
        byte[]? rented = null;
        Span<byte> buffer = maxBytes <= StackBufferBytes ? stackalloc byte[StackBufferBytes] : (rented = ArrayPool<byte>.Shared.Rent(maxBytes));
        try
        {
            var utf8 = buffer[..Encoding.UTF8.GetBytes(needle, buffer)];
            return prefixOnly ? raw.StartsWith(utf8) : raw.IndexOf(utf8) >= 0;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static string? AsText(in SegmentValue value) => value.Kind switch
    {
        ValueKind.String => value.Text,
        ValueKind.Json when value.IsJsonString => value.Json.GetString(),
        _ => null,
    };

    /// <summary>A JSON string meeting a date is read as an ISO-8601 date (UTC when it has no offset).</summary>
    private static void CoerceDates(ref SegmentValue left, ref SegmentValue right)
    {
        if (left.Kind == ValueKind.Json && right.Kind == ValueKind.Date)
        {
            left = JsonAsDate(left.Json);
        }
        else if (right.Kind == ValueKind.Json && left.Kind == ValueKind.Date)
        {
            right = JsonAsDate(right.Json);
        }
    }

    private static SegmentValue JsonAsDate(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.String || !element.TryGetDateTime(out var date))
        {
            return SegmentValue.Missing;
        }

        return SegmentValue.FromDateTicks(date.Kind switch
        {
            DateTimeKind.Local => date.ToUniversalTime().Ticks,
            _ => date.Ticks,
        });
    }
}
