namespace ProfileGrid.Segments.Syntax;

/// <summary>
/// Hand-written recursive-descent parser. It records, at the current token, every alternative it tried, so that
/// the first error says exactly what was found and everything that would have been accepted there.
/// </summary>
internal sealed class Parser
{
    private const string EventFieldList = "type, channel, campaign, revenue, timestamp or attributes.<path>";

    private static readonly FrozenSet<string> EventFieldNames =
        FrozenSet.Create(StringComparer.Ordinal, "type", "channel", "campaign", "revenue", "timestamp", "attributes");

    private static readonly FrozenSet<string> ProfileOnlyNames = FrozenSet.Create(
        StringComparer.Ordinal,
        "traits", "stats", "count", "sum", "min", "max", "avg", "exists", "sequence", "inSegment", "hasIdentity", "events");

    private static readonly string[] Keywords =
    [
        "and", "or", "not", "in", "contains", "startsWith", "true", "false", "events", "where", "within", "of", "count",
        "exists", "sum", "min", "max", "avg", "sequence", "inSegment", "hasIdentity", "date", "traits", "stats",
        "type", "channel", "campaign", "revenue", "timestamp", "attributes",
    ];

    private readonly SourceText _source;
    private readonly List<Token> _tokens;
    private readonly SegmentCompileOptions _options;
    private readonly List<string> _expected = [];
    private int _position;
    private int _depth;

    private Parser(SourceText source, List<Token> tokens, SegmentCompileOptions options)
    {
        _source = source;
        _tokens = tokens;
        _options = options;
    }

    private enum Scope
    {
        Profile,
        Event,
    }

    private Token Current => _tokens[_position];

    /// <summary>Parses a whole expression or throws <see cref="SyntaxErrorException"/> for its first error.</summary>
    public static ConditionSyntax Parse(SourceText source, SegmentCompileOptions options)
    {
        var parser = new Parser(source, Lexer.Tokenize(source.Text), options);
        var condition = parser.ParseOr(Scope.Profile);
        if (parser.Current.IsKeyword("within"))
        {
            throw parser.Fail(
                "end of input",
                "(a window belongs inside the parentheses of count, exists or sum..., as in exists(events where ... within 30d), or after sequence(...))");
        }

        parser.Expect(TokenKind.EndOfInput, "end of input");
        return condition;
    }

    private ConditionSyntax ParseOr(Scope scope)
    {
        var first = ParseAnd(scope);
        if (!AtKeyword("or"))
        {
            return first;
        }

        var operands = new List<ConditionSyntax> { first };
        while (AtKeyword("or"))
        {
            Advance();
            operands.Add(ParseAnd(scope));
        }

        return new OrSyntax(operands, TextSpan.Cover(first.Span, operands[^1].Span));
    }

    private ConditionSyntax ParseAnd(Scope scope)
    {
        var first = ParseUnary(scope);
        if (!AtKeyword("and"))
        {
            return first;
        }

        var operands = new List<ConditionSyntax> { first };
        while (AtKeyword("and"))
        {
            Advance();
            operands.Add(ParseUnary(scope));
        }

        return new AndSyntax(operands, TextSpan.Cover(first.Span, operands[^1].Span));
    }

    private ConditionSyntax ParseUnary(Scope scope)
    {
        if (!Current.IsKeyword("not"))
        {
            return ParsePrimary(scope);
        }

        var not = Advance();
        Enter(not);
        var operand = ParseUnary(scope);
        Leave();
        return new NotSyntax(operand, TextSpan.Cover(not.Span, operand.Span));
    }

    private ConditionSyntax ParsePrimary(Scope scope)
    {
        var token = Current;
        if (token.Kind == TokenKind.LeftParen)
        {
            Advance();
            Enter(token);
            var inner = ParseOr(scope);
            Leave();
            Expect(TokenKind.RightParen, "')'");
            return inner;
        }

        if (token.IsKeyword("exists"))
        {
            return ParseExists(scope);
        }

        if (scope == Scope.Profile)
        {
            if (token.IsKeyword("hasIdentity"))
            {
                var (value, span) = ParseQuotedArgument("a quoted identity namespace such as \"email\"");
                return new HasIdentitySyntax(value, span);
            }

            if (token.IsKeyword("inSegment"))
            {
                var (value, span) = ParseQuotedArgument("a quoted segment id such as \"luma-plus\"");
                return new InSegmentSyntax(value, span);
            }

            if (token.IsKeyword("sequence"))
            {
                return ParseSequence();
            }
        }

        var left = ParseValue(scope, scope == Scope.Profile ? "a condition" : "a condition on the event");
        return ParseComparisonRest(left, scope);
    }

    private ConditionSyntax ParseComparisonRest(ValueSyntax left, Scope scope)
    {
        var token = Current;
        ComparisonOperator? op = token.Kind switch
        {
            TokenKind.Equal => ComparisonOperator.Equal,
            TokenKind.NotEqual => ComparisonOperator.NotEqual,
            TokenKind.Less => ComparisonOperator.Less,
            TokenKind.LessOrEqual => ComparisonOperator.LessOrEqual,
            TokenKind.Greater => ComparisonOperator.Greater,
            TokenKind.GreaterOrEqual => ComparisonOperator.GreaterOrEqual,
            _ when token.IsKeyword("contains") => ComparisonOperator.Contains,
            _ when token.IsKeyword("startsWith") => ComparisonOperator.StartsWith,
            _ => null,
        };
        if (op is { } comparison)
        {
            Advance();
            var right = ParseValue(scope, "a value");
            return new ComparisonSyntax(left, comparison, token.Span, right, TextSpan.Cover(left.Span, right.Span));
        }

        if (token.IsKeyword("in"))
        {
            Advance();
            var (items, close) = ParseList();
            return new InListSyntax(left, items, TextSpan.Cover(left.Span, close));
        }

        _expected.Add("a comparison operator (=, !=, <, <=, >, >=, in, contains, startsWith)");
        return new ValueConditionSyntax(left, left.Span);
    }

    private (IReadOnlyList<ValueSyntax> Items, TextSpan Close) ParseList()
    {
        Expect(TokenKind.LeftBracket, "'['");
        if (Current.Kind == TokenKind.RightBracket)
        {
            throw Fail("a value", "(a list needs at least one value)");
        }

        var items = new List<ValueSyntax>();
        while (true)
        {
            items.Add(ParseLiteral("a value (text, number, true, false or date(...))"));
            if (At(TokenKind.Comma, "','"))
            {
                Advance();
                continue;
            }

            var close = Expect(TokenKind.RightBracket, "']'");
            return (items, close.Span);
        }
    }

    private ValueSyntax ParseLiteral(string expectation)
    {
        var token = Current;
        switch (token.Kind)
        {
            case TokenKind.String:
                Advance();
                return new StringLiteralSyntax(token.StringValue!, token.Span);
            case TokenKind.Number:
                Advance();
                return new NumberLiteralSyntax(token.NumberValue, token.Span);
            case TokenKind.Identifier when token.Text is "true" or "false":
                Advance();
                return new BooleanLiteralSyntax(token.Text == "true", token.Span);
            case TokenKind.Identifier when token.Text == "date":
                return ParseDate();
            default:
                throw Fail(expectation, ValueHint(token, Scope.Profile, expectation));
        }
    }

    private ValueSyntax ParseValue(Scope scope, string expectation)
    {
        var token = Current;
        if (token.Kind is TokenKind.String or TokenKind.Number || token.IsKeyword("true") || token.IsKeyword("false") || token.IsKeyword("date"))
        {
            return ParseLiteral(expectation);
        }

        if (token.Kind == TokenKind.Identifier)
        {
            if (scope == Scope.Profile)
            {
                switch (token.Text)
                {
                    case "traits": return ParseTrait();
                    case "stats": return ParseStats();
                    case "count": return ParseCount();
                    case "sum": return ParseAggregate(AggregateFunction.Sum);
                    case "min": return ParseAggregate(AggregateFunction.Min);
                    case "max": return ParseAggregate(AggregateFunction.Max);
                    case "avg": return ParseAggregate(AggregateFunction.Avg);
                }
            }
            else if (EventFieldNames.Contains(token.Text))
            {
                return ParseEventField();
            }
        }

        throw Fail(expectation, ValueHint(token, scope, expectation));
    }

    private static string? ValueHint(Token token, Scope scope, string expectation)
    {
        if (token.Kind == TokenKind.Duration)
        {
            return "(durations are only used after 'within')";
        }

        if (token.Kind != TokenKind.Identifier || CaseHint(token) is not null)
        {
            return null;
        }

        if (scope == Scope.Profile && EventFieldNames.Contains(token.Text))
        {
            return $"('{token.Text}' is a field of events: use it inside events where ..., e.g. exists(events where {token.Text} = ...))";
        }

        if (scope == Scope.Event && ProfileOnlyNames.Contains(token.Text))
        {
            return $"(inside 'events where' only fields of the event can be used: {EventFieldList})";
        }

        if (Array.IndexOf(Keywords, token.Text) >= 0)
        {
            return null;
        }

        if (expectation == "a value")
        {
            return $"(text is written in double quotes: \"{token.Text}\")";
        }

        if (scope == Scope.Profile && expectation == "a condition")
        {
            return $"('{token.Text}' is not part of the language: a condition starts with traits., stats., count(, sum(, min(, max(, avg(, exists(, sequence(, inSegment(, hasIdentity(, not or '(')";
        }

        return null;
    }

    private ValueSyntax ParseTrait()
    {
        var start = Advance();
        var path = ParsePath("a trait name");
        return new TraitSyntax(path.Names, TextSpan.Cover(start.Span, path.Last));
    }

    private (List<string> Names, TextSpan Last) ParsePath(string expectation)
    {
        Expect(TokenKind.Dot, "'.'");
        var name = Expect(TokenKind.Identifier, expectation);
        var names = new List<string> { name.Text };
        while (Current.Kind == TokenKind.Dot)
        {
            Advance();
            name = Expect(TokenKind.Identifier, expectation);
            names.Add(name.Text);
        }

        return (names, name.Span);
    }

    private ValueSyntax ParseStats()
    {
        var start = Advance();
        Expect(TokenKind.Dot, "'.'");
        var name = Expect(TokenKind.Identifier, "a stats field such as lifetimeRevenue");
        return new StatsSyntax(name.Text, name.Span, TextSpan.Cover(start.Span, name.Span));
    }

    private EventFieldSyntax ParseEventField()
    {
        var token = Advance();
        var field = token.Text switch
        {
            "type" => EventField.Type,
            "channel" => EventField.Channel,
            "campaign" => EventField.Campaign,
            "revenue" => EventField.Revenue,
            "timestamp" => EventField.Timestamp,
            _ => EventField.Attributes,
        };
        if (field != EventField.Attributes)
        {
            return new EventFieldSyntax(field, [], token.Span);
        }

        var path = ParsePath("an attribute name");
        return new EventFieldSyntax(field, path.Names, TextSpan.Cover(token.Span, path.Last));
    }

    private ValueSyntax ParseCount()
    {
        var start = Advance();
        Expect(TokenKind.LeftParen, "'('");
        var events = ParseEventSet(allowWindow: true);
        var close = ExpectCloseAfterEvents(events);
        return new CountSyntax(events, TextSpan.Cover(start.Span, close.Span));
    }

    private ValueSyntax ParseAggregate(AggregateFunction function)
    {
        var start = Advance();
        Expect(TokenKind.LeftParen, "'('");
        if (Current.Kind != TokenKind.Identifier || !EventFieldNames.Contains(Current.Text))
        {
            var hint = Current.IsKeyword("events") ? $"(write e.g. {start.Text}(revenue of events where ...))" : null;
            throw Fail($"a field of events ({EventFieldList})", hint);
        }

        var field = ParseEventField();
        ExpectKeyword("of");
        var events = ParseEventSet(allowWindow: true);
        var close = ExpectCloseAfterEvents(events);
        return new AggregateSyntax(function, field, events, TextSpan.Cover(start.Span, close.Span));
    }

    private ConditionSyntax ParseExists(Scope scope)
    {
        var start = Advance();
        Expect(TokenKind.LeftParen, "'('");
        if (scope == Scope.Profile && Current.IsKeyword("events"))
        {
            var events = ParseEventSet(allowWindow: true);
            var end = ExpectCloseAfterEvents(events);
            return new ExistsEventsSyntax(events, TextSpan.Cover(start.Span, end.Span));
        }

        ValueSyntax field;
        if (scope == Scope.Profile && Current.IsKeyword("traits"))
        {
            field = ParseTrait();
        }
        else if (scope == Scope.Profile && Current.IsKeyword("stats"))
        {
            field = ParseStats();
        }
        else if (scope == Scope.Event && Current.Kind == TokenKind.Identifier && EventFieldNames.Contains(Current.Text))
        {
            field = ParseEventField();
        }
        else
        {
            throw scope == Scope.Profile
                ? Fail("'events' or a field (traits.<name> or stats.<name>)")
                : Fail($"a field of events ({EventFieldList})", ValueHint(Current, scope, string.Empty));
        }

        var close = Expect(TokenKind.RightParen, "')'");
        return new ExistsFieldSyntax(field, TextSpan.Cover(start.Span, close.Span));
    }

    private (string Value, TextSpan Span) ParseQuotedArgument(string expectation)
    {
        var start = Advance();
        Expect(TokenKind.LeftParen, "'('");
        var argument = Expect(TokenKind.String, expectation);
        if (string.IsNullOrWhiteSpace(argument.StringValue))
        {
            throw Error(argument.Span.Start, $"found '{argument.Text}', expected {expectation}");
        }

        var close = Expect(TokenKind.RightParen, "')'");
        return (argument.StringValue, TextSpan.Cover(start.Span, close.Span));
    }

    private ConditionSyntax ParseSequence()
    {
        var start = Advance();
        Expect(TokenKind.LeftParen, "'('");
        var steps = new List<EventSetSyntax> { ParseEventSet(allowWindow: false) };
        while (true)
        {
            if (At(TokenKind.Comma, "','"))
            {
                Advance();
                steps.Add(ParseEventSet(allowWindow: false));
                continue;
            }

            if (Current.IsKeyword("within"))
            {
                throw Fail("')'", "(a step of a sequence has no window of its own: put 'within' after the closing ')' of sequence(...))");
            }

            if (Current.Kind == TokenKind.RightParen && steps.Count < 2)
            {
                throw Fail("','", "(a sequence needs at least two steps)");
            }

            break;
        }

        var end = Expect(TokenKind.RightParen, "')'").Span;
        DurationSyntax? window = null;
        if (AtKeyword("within"))
        {
            Advance();
            window = ParseDuration();
            end = window.Span;
        }

        return new SequenceSyntax(steps, window, TextSpan.Cover(start.Span, end));
    }

    private EventSetSyntax ParseEventSet(bool allowWindow)
    {
        var start = ExpectKeyword("events");
        var end = start.Span;
        ConditionSyntax? filter = null;
        if (AtKeyword("where"))
        {
            var where = Advance();
            Enter(where);
            filter = ParseOr(Scope.Event);
            Leave();
            end = filter.Span;
        }

        DurationSyntax? window = null;
        if (allowWindow && AtKeyword("within"))
        {
            Advance();
            window = ParseDuration();
            end = window.Span;
        }

        return new EventSetSyntax(filter, window, TextSpan.Cover(start.Span, end));
    }

    private Token ExpectCloseAfterEvents(EventSetSyntax events)
    {
        if (Current.IsKeyword("where") && events.Window is not null)
        {
            throw Fail("')'", "('where' comes before 'within': events where ... within 30d)");
        }

        return Expect(TokenKind.RightParen, "')'");
    }

    private DurationSyntax ParseDuration()
    {
        var token = Current;
        if (token.Kind != TokenKind.Duration)
        {
            throw Fail("a duration such as 30d", token.Kind == TokenKind.Number ? "(add a unit: s, m, h, d or w)" : null);
        }

        Advance();
        if (token.DurationValue <= TimeSpan.Zero)
        {
            throw Error(token.Span.Start, $"found '{token.Text}', expected a positive duration");
        }

        if (token.DurationValue > _options.MaxWindow)
        {
            throw Error(
                token.Span.Start,
                $"found '{token.Text}', expected a duration of at most {_options.MaxWindow.TotalDays.ToString("0.###", CultureInfo.InvariantCulture)}d (the limit is SegmentCompileOptions.MaxWindow)");
        }

        return new DurationSyntax(token.DurationValue, token.Text, token.Span);
    }

    private ValueSyntax ParseDate()
    {
        var start = Advance();
        Expect(TokenKind.LeftParen, "'('");
        var text = Expect(TokenKind.String, "a quoted date such as \"2026-01-31\"");
        if (!DateLiteral.TryParse(text.StringValue!, out var value))
        {
            throw Error(text.Span.Start, $"found '{SourceText.Shorten(text.Text)}', expected {DateLiteral.Expected}");
        }

        var close = Expect(TokenKind.RightParen, "')'");
        return new DateLiteralSyntax(value, TextSpan.Cover(start.Span, close.Span));
    }

    private void Enter(Token token)
    {
        if (++_depth > _options.MaxNestingDepth)
        {
            throw Error(
                token.Span.Start,
                $"found more than {_options.MaxNestingDepth} nested levels of parentheses, 'not' and 'events where', expected at most {_options.MaxNestingDepth} (the limit is SegmentCompileOptions.MaxNestingDepth)");
        }
    }

    private void Leave() => _depth--;

    private Token Advance()
    {
        var token = Current;
        if (_position < _tokens.Count - 1)
        {
            _position++;
        }

        _expected.Clear();
        return token;
    }

    private bool At(TokenKind kind, string expectation)
    {
        if (Current.Kind == kind)
        {
            return true;
        }

        _expected.Add(expectation);
        return false;
    }

    private bool AtKeyword(string keyword)
    {
        if (Current.IsKeyword(keyword))
        {
            return true;
        }

        _expected.Add($"'{keyword}'");
        return false;
    }

    private Token Expect(TokenKind kind, string expectation) => At(kind, expectation) ? Advance() : throw Fail(expectation);

    private Token ExpectKeyword(string keyword) => AtKeyword(keyword) ? Advance() : throw Fail($"'{keyword}'");

    private SyntaxErrorException Fail(string expectation, string? hint = null)
    {
        var token = Current;
        if (token.Kind == TokenKind.Malformed)
        {
            return Error(token.Span.Start, token.Problem!);
        }

        var expected = new List<string> { expectation };
        foreach (var alternative in _expected)
        {
            if (!expected.Contains(alternative))
            {
                expected.Add(alternative);
            }
        }

        // "end of input" reads best last: "expected 'and' or 'or' or end of input".
        if (expected.Remove("end of input"))
        {
            expected.Add("end of input");
        }

        var message = $"found {Describe(token)}, expected {string.Join(" or ", expected)}";
        hint ??= CaseHint(token) ?? CharacterHint(token);
        return Error(token.Span.Start, hint is null ? message : $"{message} {hint}");
    }

    private static string Describe(Token token) => token.Kind switch
    {
        TokenKind.EndOfInput => "end of input",
        TokenKind.Unexpected when char.IsControl(token.Text[0]) => $"the character U+{(int)token.Text[0]:X4}",
        _ => $"'{SourceText.Shorten(token.Text)}'",
    };

    private static string? CharacterHint(Token token)
    {
        if (token.Kind != TokenKind.Unexpected)
        {
            return null;
        }

        if (token.Text == "-")
        {
            return "('-' only starts a negative number; names use the letters a-z and A-Z, digits and '_')";
        }

        return char.IsLetter(token.Text, 0) ? "(names use the letters a-z and A-Z, digits and '_')" : null;
    }

    private static string? CaseHint(Token token)
    {
        if (token.Kind != TokenKind.Identifier)
        {
            return null;
        }

        foreach (var keyword in Keywords)
        {
            if (keyword != token.Text && string.Equals(keyword, token.Text, StringComparison.OrdinalIgnoreCase))
            {
                return $"(keywords are case-sensitive: write '{keyword}')";
            }
        }

        return null;
    }

    private SyntaxErrorException Error(int offset, string message) => new(_source.ErrorAt(offset, message));
}
