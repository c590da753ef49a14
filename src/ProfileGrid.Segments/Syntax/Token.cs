namespace ProfileGrid.Segments.Syntax;

internal enum TokenKind
{
    EndOfInput,
    Identifier,
    String,
    Number,
    Duration,
    LeftParen,
    RightParen,
    LeftBracket,
    RightBracket,
    Comma,
    Dot,
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,

    /// <summary>A character the language has no use for; the parser reports it with what it expected there.</summary>
    Unexpected,

    /// <summary>A lexical error that carries its own message (unclosed string, bad duration unit...).</summary>
    Malformed,
}

internal readonly record struct Token(TokenKind Kind, TextSpan Span, string Text)
{
    public string? StringValue { get; init; }

    public double NumberValue { get; init; }

    public TimeSpan DurationValue { get; init; }

    public string? Problem { get; init; }

    public bool IsKeyword(string keyword) => Kind == TokenKind.Identifier && Text == keyword;
}
