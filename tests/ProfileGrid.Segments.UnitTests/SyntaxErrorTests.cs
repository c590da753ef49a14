namespace ProfileGrid.Segments.UnitTests;

/// <summary>Malformed expressions are rejected with the line and column of the problem, what was found and what was expected.</summary>
public sealed class SyntaxErrorTests
{
    public static TheoryData<string, int, int, string> MalformedExpressions() => new()
    {
        { "", 1, 1, "found end of input, expected a condition" },
        { "   \n  ", 2, 3, "found end of input, expected a condition" },
        { "traits.loyaltyTier = ", 1, 22, "found end of input, expected a value" },
        { "traits.loyaltyTier \"plus\"", 1, 20, "found '\"plus\"', expected a comparison operator (=, !=, <, <=, >, >=, in, contains, startsWith) or 'and' or 'or' or end of input" },
        { "traits.loyaltyTier == \"plus\"", 1, 20, "found '==', expected '=' (equality is written with a single '=')" },
        { "traits.loyaltyTier = 'plus'", 1, 22, "found a single quote, expected '\"' (text is written in double quotes)" },
        { "traits.loyaltyTier = plus", 1, 22, "found 'plus', expected a value (text is written in double quotes: \"plus\")" },
        { "traits.loyaltyTier = \"plus", 1, 22, "found text that is never closed, expected '\"' before the end of the line" },
        { "traits.a = \"line\nbreak\"", 1, 12, "found text that is never closed" },
        { "exists(events where type = \"a\")\n  and count(events where type = \"b\") within 3d", 2, 38, "found 'within', expected a comparison operator" },
        { "count(events where type = \"commerce.purchase\" within 30d >= 1", 1, 58, "found '>=', expected ')'" },
        { "count(events where type = \"a\"\n  within 30d", 2, 13, "found end of input, expected ')'" },
        { "exists(events where type = \"a\" foo)", 1, 32, "found 'foo', expected ')' or 'and' or 'or' or 'within'" },
        { "sequence(events where type = \"a\"\n  within 1d, events where type = \"b\")", 2, 3, "found 'within', expected ')' or 'and' or 'or' or ','" },
        { "sequence(events where type = \"a\")", 1, 33, "found ')', expected ',' or 'and' or 'or' (a sequence needs at least two steps)" },
        { "sequence(events, events) within", 1, 32, "found end of input, expected a duration such as 30d" },
        { "exists(events where type = \"a\" within 30x)", 1, 39, "found '30x', expected a number, or a duration such as 30d" },
        { "exists(events where type = \"a\" within 30)", 1, 39, "found '30', expected a duration such as 30d (add a unit: s, m, h, d or w)" },
        { "exists(events where type = \"a\" within 1.5h)", 1, 39, "found '1.5h', expected a number, or a duration" },
        { "exists(events where type = \"a\" within -3d)", 1, 39, "found '-3d', expected a positive duration" },
        { "exists(events where type = \"a\" within 0d)", 1, 39, "found '0d', expected a positive duration" },
        { "exists(events within 30d where type = \"a\")", 1, 26, "found 'where', expected ')' ('where' comes before 'within'" },
        { "exists(events where type = \"a\" within 30d) within 1d", 1, 44, "found 'within', expected 'and' or 'or' or end of input (a window belongs inside the parentheses" },
        { "type = \"a\"", 1, 1, "found 'type', expected a condition ('type' is a field of events" },
        { "attributes.category = \"yoga\"", 1, 1, "found 'attributes', expected a condition ('attributes' is a field of events" },
        { "exists(events where traits.x = 1)", 1, 21, "found 'traits', expected a condition on the event (inside 'events where' only fields of the event can be used" },
        { "exists(events where count(events) > 1)", 1, 21, "found 'count', expected a condition on the event (inside 'events where'" },
        { "exists(events where inSegment(\"a\"))", 1, 21, "found 'inSegment', expected a condition on the event" },
        { "traits.x AND traits.y", 1, 10, "(keywords are case-sensitive: write 'and')" },
        { "Traits.x = 1", 1, 1, "found 'Traits', expected a condition (keywords are case-sensitive: write 'traits')" },
        { "exists(events where Type = \"a\")", 1, 21, "(keywords are case-sensitive: write 'type')" },
        { "traits.x startswith \"a\"", 1, 10, "(keywords are case-sensitive: write 'startsWith')" },
        { "traits.x = 1 && traits.y = 2", 1, 14, "found '&&', expected 'and'" },
        { "traits.x = 1 || traits.y = 2", 1, 14, "found '||', expected 'or'" },
        { "traits.x ! traits.y", 1, 10, "found '!', expected '!=' (use 'not' to negate a condition)" },
        { "traits.x <> 1", 1, 10, "found '<>', expected '!='" },
        { "(traits.x = 1", 1, 14, "found end of input, expected ')' or 'and' or 'or'" },
        { "traits.x = 1)", 1, 13, "found ')', expected 'and' or 'or' or end of input" },
        { "traits.x in []", 1, 14, "found ']', expected a value (a list needs at least one value)" },
        { "traits.x in [\"a\" \"b\"]", 1, 18, "found '\"b\"', expected ']' or ','" },
        { "traits.x in [traits.y]", 1, 14, "found 'traits', expected a value (text, number, true, false or date(...))" },
        { "traits.x in \"a\"", 1, 13, "found '\"a\"', expected '['" },
        { "stats.lifetimeRevenue > 1.", 1, 25, "found '1.', expected digits after '.'" },
        { "stats.lifetimeRevenue > 1e999", 1, 25, "found '1e999', expected a number of a reasonable size" },
        { "date(\"2026-13-01\") > stats.firstSeen", 1, 6, "found '\"2026-13-01\"', expected a date such as \"2026-01-31\"" },
        { "stats.firstSeen > date(\"2026-01-31T10:00:00\")", 1, 24, "(a time needs 'Z' or an offset such as +02:00)" },
        { "stats.firstSeen > date(2026-01-31)", 1, 24, "found '2026', expected a quoted date such as \"2026-01-31\"" },
        { "sum(events where type = \"a\") > 3", 1, 5, "found 'events', expected a field of events (type, channel, campaign, revenue, timestamp or attributes.<path>) (write e.g. sum(revenue of events where ...))" },
        { "sum(revenue events) > 3", 1, 13, "found 'events', expected 'of'" },
        { "count(where type = \"a\") > 3", 1, 7, "found 'where', expected 'events'" },
        { "count(events where) > 1", 1, 19, "found ')', expected a condition on the event" },
        { "hasIdentity(\"\")", 1, 13, "found '\"\"', expected a quoted identity namespace such as \"email\"" },
        { "hasIdentity(email)", 1, 13, "found 'email', expected a quoted identity namespace" },
        { "inSegment(luma)", 1, 11, "found 'luma', expected a quoted segment id such as \"luma-plus\"" },
        { "inSegment \"luma\"", 1, 11, "found '\"luma\"', expected '('" },
        { "exists(traits)", 1, 14, "found ')', expected '.'" },
        { "exists(foo)", 1, 8, "found 'foo', expected 'events' or a field (traits.<name> or stats.<name>)" },
        { "traits. = 1", 1, 9, "found '=', expected a trait name" },
        { "stats. > 1", 1, 8, "found '>', expected a stats field such as lifetimeRevenue" },
        { "traits.x = \"a\\q\"", 1, 14, "found '\\q' in text, expected one of the escapes" },
        { "traits.x = \"\\u12\"", 1, 13, "found '\\u' without four hex digits" },
        { "traits.x = 1 # comment", 1, 14, "found '#', expected 'and' or 'or' or end of input" },
        { "traits.x = 1 \u0007", 1, 14, "found the character U+0007" },
        { "not", 1, 4, "found end of input, expected a condition" },
        { "traits.x = 1 and", 1, 17, "found end of input, expected a condition" },
        { "traits.x = 30d", 1, 12, "found '30d', expected a value (durations are only used after 'within')" },
        { "traits.x = -", 1, 12, "found '-', expected a value" },
        { "foo = 1", 1, 1, "found 'foo', expected a condition ('foo' is not part of the language" },
        { "traits.a = 1 and\n\n   (traits.b = 2 or\n    traits.c == 3)", 4, 14, "found '==', expected '='" },
        { "traits.a = 1\r\n  and traits.b = ", 2, 18, "found end of input, expected a value" },
        { "traits.a = 1\r  and foo", 2, 7, "found 'foo', expected a condition" },
        { "traits.loyalty-tier = \"plus\"", 1, 15, "found '-', expected a comparison operator (=, !=, <, <=, >, >=, in, contains, startsWith) or 'and' or 'or' or end of input ('-' only starts a negative number" },
        { "traits.prénom = \"Sarah\"", 1, 10, "found 'é', expected a comparison operator (=, !=, <, <=, >, >=, in, contains, startsWith) or 'and' or 'or' or end of input (names use the letters a-z and A-Z, digits and '_')" },
    };

    [Theory]
    [MemberData(nameof(MalformedExpressions))]
    public void Malformed_expressions_report_line_column_found_and_expected(string expression, int line, int column, string fragment)
    {
        var exception = Assert.Throws<SegmentDefinitionException>(() => SegmentCompiler.Compile(expression));

        var error = Assert.Single(exception.Errors);
        Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
        Assert.Equal((line, column), (error.Line, error.Column));
        Assert.StartsWith("found ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_error_reads_as_one_sentence_with_its_position()
    {
        var exception = Assert.Throws<SegmentDefinitionException>(() => SegmentCompiler.Compile("(traits.x = 1\n  within 3d)"));

        Assert.Equal("line 2, column 3: found 'within', expected ')' or 'and' or 'or'", exception.Errors[0].ToString());
        Assert.Equal(exception.Errors[0].ToString(), exception.Message);
    }

    [Fact]
    public void The_first_syntax_error_is_reported_even_when_a_later_token_is_malformed()
    {
        var exception = Assert.Throws<SegmentDefinitionException>(() => SegmentCompiler.Compile("traits.x = = \"unclosed"));

        Assert.Equal(1, exception.Errors[0].Line);
        Assert.Equal(12, exception.Errors[0].Column);
    }

    [Fact]
    public void TryCompile_returns_the_errors_instead_of_throwing()
    {
        Assert.False(SegmentCompiler.TryCompile("traits.x =", out var segment, out var errors));
        Assert.Null(segment);
        Assert.Equal(11, Assert.Single(errors).Column);

        Assert.True(SegmentCompiler.TryCompile("traits.x = 1", out segment, out errors));
        Assert.NotNull(segment);
        Assert.Empty(errors);
    }
}

/// <summary>Type mismatches on statically typed fields are rejected at definition time, all at once.</summary>
public sealed class TypeErrorTests
{
    public static TheoryData<string, int, int, string> IllTypedExpressions() => new()
    {
        { "exists(events where type > 3)", 1, 28, "found 3 (a number), expected text to compare with type" },
        { "exists(events where 3 < type)", 1, 21, "found 3 (a number), expected text to compare with type" },
        { "exists(events where channel = true)", 1, 31, "found true (a true/false value), expected text to compare with channel" },
        { "exists(events where revenue contains \"3\")", 1, 21, "found revenue (a number) before 'contains', expected text, a trait or an attribute" },
        { "exists(events where timestamp startsWith \"2026\")", 1, 21, "found timestamp (a date) before 'startsWith'" },
        { "exists(events where campaign contains 3)", 1, 39, "found 3 (a number) after 'contains', expected text" },
        { "exists(events where revenue > \"100\")", 1, 31, "found \"100\" (text), expected a number to compare with revenue" },
        { "exists(events where timestamp > \"2026-01-01\")", 1, 33, "found \"2026-01-01\" (text), expected a date to compare with timestamp (write dates as date(\"2026-01-31\"))" },
        { "exists(events where type in [\"a\", 3])", 1, 35, "found 3 (a number), expected text like the first value of the list" },
        { "exists(events where revenue in [\"a\"])", 1, 33, "found \"a\" (text), expected a number to compare with revenue" },
        { "exists(events where revenue)", 1, 21, "found revenue (a number), expected a condition: compare it with a value, e.g. revenue >= 1" },
        { "stats.firstSeen > \"abc\"", 1, 19, "found \"abc\" (text), expected a date to compare with stats.firstSeen (write dates as date(\"2026-01-31\"))" },
        { "stats.lifetimeRevenue = \"100\"", 1, 25, "found \"100\" (text), expected a number to compare with stats.lifetimeRevenue" },
        { "stats.mostEngagedChannel > 2", 1, 28, "found 2 (a number), expected text to compare with stats.mostEngagedChannel" },
        { "stats.eventCount contains \"1\"", 1, 1, "found stats.eventCount (a number) before 'contains'" },
        { "stats.eventCount in [\"a\", \"b\"]", 1, 22, "found \"a\" (text), expected a number to compare with stats.eventCount" },
        { "stats.lastSeen < stats.eventCount", 1, 18, "found stats.eventCount (a number), expected a date to compare with stats.lastSeen" },
        { "\"abc\" = stats.eventCount", 1, 1, "found \"abc\" (text), expected a number to compare with stats.eventCount" },
        { "stats.lifetimeRev > 100", 1, 7, "found 'lifetimeRev', expected a stats field: eventCount, purchaseCount, lifetimeRevenue, firstSeen, lastSeen, lastPurchaseAt or mostEngagedChannel" },
        { "exists(stats.nope)", 1, 14, "found 'nope', expected a stats field" },
        { "sum(type of events) > 1", 1, 5, "found type (text), expected a number field (revenue or attributes.<path>) for sum(...)" },
        { "avg(timestamp of events) > 1", 1, 5, "found timestamp (a date), expected a number field (revenue or attributes.<path>) for avg(...)" },
        { "min(channel of events) > 1", 1, 5, "found channel (text), expected a number or date field (revenue, timestamp or attributes.<path>) for min(...)" },
        { "max(timestamp of events) > 3", 1, 28, "found 3 (a number), expected a date to compare with max(timestamp of events)" },
        { "count(events) > \"3\"", 1, 17, "found \"3\" (text), expected a number to compare with count(events)" },
        { "stats.lifetimeRevenue", 1, 1, "found stats.lifetimeRevenue (a number), expected a condition: compare it with a value, e.g. stats.lifetimeRevenue >= 1" },
        { "count(events)", 1, 1, "found count(events) (a number), expected a condition" },
        { "\"yes\"", 1, 1, "found \"yes\" (text), expected a condition" },
        { "traits.vip < true", 1, 12, "found '<', expected '=' or '!=' (true/false values have no order)" },
        { "true >= false", 1, 6, "found '>=', expected '=' or '!='" },
        { "traits.x in [\"a\", 1]", 1, 19, "found 1 (a number), expected text like the first value of the list" },
        { "traits.x in [date(\"2026-01-01\"), \"2026-01-02\"]", 1, 34, "found \"2026-01-02\" (text), expected a date like the first value of the list" },
    };

    [Theory]
    [MemberData(nameof(IllTypedExpressions))]
    public void Type_mismatches_on_typed_fields_are_rejected_at_definition(string expression, int line, int column, string fragment)
    {
        var exception = Assert.Throws<SegmentDefinitionException>(() => SegmentCompiler.Compile(expression));

        var error = Assert.Single(exception.Errors);
        Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
        Assert.Equal((line, column), (error.Line, error.Column));
    }

    [Theory]
    [InlineData("traits.x > 3")]
    [InlineData("traits.x = \"a\"")]
    [InlineData("traits.x < date(\"2026-01-01\")")]
    [InlineData("traits.x = true")]
    [InlineData("traits.x contains \"a\"")]
    [InlineData("traits.x in [1, 2]")]
    [InlineData("traits.x = stats.eventCount")]
    [InlineData("traits.x")]
    [InlineData("stats.lastSeen > traits.signup")]
    [InlineData("exists(events where attributes.size > 3 and attributes.size = \"M\")")]
    [InlineData("sum(attributes.qty of events) > 2")]
    [InlineData("max(attributes.when of events) > 2")]
    [InlineData("exists(events where campaign contains attributes.code)")]
    public void Traits_and_attributes_are_dynamically_typed_and_accept_any_comparison(string expression) =>
        SegmentCompiler.Compile(expression);

    [Fact]
    public void Every_type_error_of_a_definition_is_reported_in_source_order()
    {
        var exception = Assert.Throws<SegmentDefinitionException>(() => SegmentCompiler.Compile(
            "stats.foo > 1\n  and stats.eventCount = \"3\"\n  and exists(events where type > 3)"));

        Assert.Equal(
            [(1, 7), (2, 26), (3, 34)],
            exception.Errors.Select(e => (e.Line, e.Column)).ToArray());
        Assert.Equal(3, exception.Message.Split('\n').Length);
    }
}

/// <summary>Every limit is enforced with an error that names it, never applied silently.</summary>
public sealed class LimitTests
{
    [Fact]
    public void An_expression_longer_than_the_default_4000_characters_is_rejected_with_its_length()
    {
        var expression = "traits.x = \"" + new string('a', 4000) + "\"";

        var exception = Assert.Throws<SegmentDefinitionException>(() => SegmentCompiler.Compile(expression));

        Assert.Equal("line 1, column 4001: found an expression of 4,013 characters, expected at most 4,000 (the limit is SegmentCompileOptions.MaxExpressionLength)", exception.Message);
    }

    [Fact]
    public void An_expression_of_exactly_the_maximum_length_is_accepted()
    {
        var expression = "traits.x = \"" + new string('a', 4000 - 13) + "\"";

        Assert.Equal(4000, expression.Length);
        SegmentCompiler.Compile(expression);
    }

    [Fact]
    public void The_length_limit_is_configurable()
    {
        var options = new SegmentCompileOptions { MaxExpressionLength = 10 };

        Assert.Throws<SegmentDefinitionException>(() => SegmentCompiler.Compile("traits.x = 1", options));
        SegmentCompiler.Compile("traits.x=1", options);
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_is_rejected_at_the_token_that_crosses_it()
    {
        var options = new SegmentCompileOptions { MaxNestingDepth = 3 };

        SegmentCompiler.Compile("(((traits.x = 1)))", options);
        var exception = Assert.Throws<SegmentDefinitionException>(() => SegmentCompiler.Compile("((((traits.x = 1))))", options));

        Assert.Equal(4, exception.Errors[0].Column);
        Assert.Contains("found more than 3 nested levels", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "(", 5000)]
    [InlineData("", "not ", 5000)]
    [InlineData("exists(events where ", "(", 5000)]
    [InlineData("exists(events where ", "not ", 5000)]
    public void Pathologically_deep_expressions_fail_with_the_nesting_error_not_a_stack_overflow(string prefix, string opener, int repeat)
    {
        var options = new SegmentCompileOptions { MaxExpressionLength = 1_000_000 };
        var expression = prefix + string.Concat(Enumerable.Repeat(opener, repeat)) + "true";

        var exception = Assert.Throws<SegmentDefinitionException>(() => SegmentCompiler.Compile(expression, options));

        Assert.Contains("nested levels", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Very_long_and_or_chains_compile_and_evaluate_without_deep_recursion()
    {
        var options = new SegmentCompileOptions { MaxExpressionLength = 2_000_000 };
        var expression = string.Join(" or ", Enumerable.Range(0, 50_000).Select(i => $"traits.t{i % 7} = {i}")) + " or traits.hit = true";

        var segment = SegmentCompiler.Compile(expression, options);

        Assert.True(segment.Evaluate(Profiles.Subject("""{"hit":true}"""), Profiles.Now));
    }

    [Fact]
    public void A_window_longer_than_the_configured_maximum_is_rejected()
    {
        var exception = Assert.Throws<SegmentDefinitionException>(() => SegmentCompiler.Compile("exists(events within 3651d)"));

        Assert.Contains("expected a duration of at most 3650d", exception.Message, StringComparison.Ordinal);
        SegmentCompiler.Compile("exists(events within 3650d)");
        SegmentCompiler.Compile("exists(events within 5000d)", new SegmentCompileOptions { MaxWindow = TimeSpan.FromDays(5000) });
    }

    [Fact]
    public void Absurdly_large_durations_are_rejected_by_the_lexer_without_overflow()
    {
        var exception = Assert.Throws<SegmentDefinitionException>(() => SegmentCompiler.Compile("exists(events within 99999999999999999999w)"));

        Assert.Contains("expected a duration of a reasonable size", exception.Message, StringComparison.Ordinal);
    }
}
