namespace ProfileGrid.Segments.Syntax;

/// <summary>
/// Splits an expression into tokens. Stops at the first malformed token: the parser reports it when it gets
/// there, so an earlier syntax error is still reported first.
/// </summary>
internal sealed class Lexer
{
    private const long MaxDurationAmount = 1_000_000_000;

    private readonly string _text;
    private readonly List<Token> _tokens = [];
    private int _position;

    private Lexer(string text) => _text = text;

    public static List<Token> Tokenize(string text)
    {
        var lexer = new Lexer(text);
        lexer.Run();
        return lexer._tokens;
    }

    private void Run()
    {
        while (true)
        {
            while (_position < _text.Length && char.IsWhiteSpace(_text[_position]))
            {
                _position++;
            }

            if (_position >= _text.Length)
            {
                _tokens.Add(new Token(TokenKind.EndOfInput, new TextSpan(_text.Length, 0), string.Empty));
                return;
            }

            var token = Next();
            _tokens.Add(token);
            if (token.Kind == TokenKind.Malformed)
            {
                return;
            }
        }
    }

    private char Peek(int ahead) => _position + ahead < _text.Length ? _text[_position + ahead] : '\0';

    private Token Next()
    {
        var c = _text[_position];
        switch (c)
        {
            case '(': return Simple(TokenKind.LeftParen, 1);
            case ')': return Simple(TokenKind.RightParen, 1);
            case '[': return Simple(TokenKind.LeftBracket, 1);
            case ']': return Simple(TokenKind.RightBracket, 1);
            case ',': return Simple(TokenKind.Comma, 1);
            case '.': return Simple(TokenKind.Dot, 1);
            case '=':
                return Peek(1) == '='
                    ? Malformed(2, "found '==', expected '=' (equality is written with a single '=')")
                    : Simple(TokenKind.Equal, 1);
            case '!':
                return Peek(1) == '='
                    ? Simple(TokenKind.NotEqual, 2)
                    : Malformed(1, "found '!', expected '!=' (use 'not' to negate a condition)");
            case '<':
                if (Peek(1) == '>')
                {
                    return Malformed(2, "found '<>', expected '!='");
                }

                return Peek(1) == '=' ? Simple(TokenKind.LessOrEqual, 2) : Simple(TokenKind.Less, 1);
            case '>':
                return Peek(1) == '=' ? Simple(TokenKind.GreaterOrEqual, 2) : Simple(TokenKind.Greater, 1);
            case '&':
                return Malformed(Peek(1) == '&' ? 2 : 1, $"found '{(Peek(1) == '&' ? "&&" : "&")}', expected 'and'");
            case '|':
                return Malformed(Peek(1) == '|' ? 2 : 1, $"found '{(Peek(1) == '|' ? "||" : "|")}', expected 'or'");
            case '"':
                return LexString();
            case '\'':
                return Malformed(1, "found a single quote, expected '\"' (text is written in double quotes)");
        }

        if (char.IsAsciiDigit(c) || (c == '-' && char.IsAsciiDigit(Peek(1))))
        {
            return LexNumber();
        }

        if (char.IsAsciiLetter(c) || c == '_')
        {
            var start = _position;
            while (_position < _text.Length && (char.IsAsciiLetterOrDigit(_text[_position]) || _text[_position] == '_'))
            {
                _position++;
            }

            return new Token(TokenKind.Identifier, TextSpan.FromBounds(start, _position), _text[start.._position]);
        }

        var length = char.IsHighSurrogate(c) && char.IsLowSurrogate(Peek(1)) ? 2 : 1;
        return Simple(TokenKind.Unexpected, length);
    }

    private Token Simple(TokenKind kind, int length)
    {
        var token = new Token(kind, new TextSpan(_position, length), _text.Substring(_position, length));
        _position += length;
        return token;
    }

    private Token Malformed(int length, string problem) => Malformed(_position, length, problem);

    private Token Malformed(int start, int length, string problem)
    {
        length = Math.Min(length, _text.Length - start);
        _position = start + length;
        return new Token(TokenKind.Malformed, new TextSpan(start, length), _text.Substring(start, length)) { Problem = problem };
    }

    private Token LexString()
    {
        var start = _position;
        var value = new StringBuilder();
        _position++;
        while (true)
        {
            if (_position >= _text.Length || _text[_position] is '\n' or '\r')
            {
                return Malformed(start, _position - start, "found text that is never closed, expected '\"' before the end of the line");
            }

            var c = _text[_position];
            if (c == '"')
            {
                _position++;
                return new Token(TokenKind.String, TextSpan.FromBounds(start, _position), _text[start.._position])
                {
                    StringValue = value.ToString(),
                };
            }

            if (c != '\\')
            {
                value.Append(c);
                _position++;
                continue;
            }

            var escape = Peek(1);
            switch (escape)
            {
                case '"': value.Append('"'); break;
                case '\\': value.Append('\\'); break;
                case '/': value.Append('/'); break;
                case 'n': value.Append('\n'); break;
                case 'r': value.Append('\r'); break;
                case 't': value.Append('\t'); break;
                case 'u':
                    if (_position + 6 <= _text.Length
                        && ushort.TryParse(_text.AsSpan(_position + 2, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                    {
                        value.Append((char)code);
                        _position += 6;
                        continue;
                    }

                    return Malformed(_position, 2, "found '\\u' without four hex digits, expected an escape such as \\u00e9");
                case '\0' when _position + 1 >= _text.Length:
                    return Malformed(start, _position + 1 - start, "found text that is never closed, expected '\"' before the end of the line");
                default:
                    return Malformed(
                        _position,
                        char.IsSurrogate(escape) ? 3 : 2,
                        $"found '\\{escape}' in text, expected one of the escapes \\\" \\\\ \\/ \\n \\r \\t \\uXXXX");
            }

            _position += 2;
        }
    }

    private Token LexNumber()
    {
        var start = _position;
        if (_text[_position] == '-')
        {
            _position++;
        }

        SkipDigits();
        var isWhole = true;
        if (Peek(0) == '.')
        {
            if (!char.IsAsciiDigit(Peek(1)))
            {
                return Malformed(start, _position + 1 - start, $"found '{_text[start.._position]}.', expected digits after '.'");
            }

            _position++;
            SkipDigits();
            isWhole = false;
        }

        if (Peek(0) is 'e' or 'E' && (char.IsAsciiDigit(Peek(1)) || (Peek(1) is '+' or '-' && char.IsAsciiDigit(Peek(2)))))
        {
            _position += 2;
            SkipDigits();
            isWhole = false;
        }

        var numberEnd = _position;
        while (_position < _text.Length && (char.IsAsciiLetterOrDigit(_text[_position]) || _text[_position] == '_'))
        {
            _position++;
        }

        var text = _text[start.._position];
        if (numberEnd == _position)
        {
            var number = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
            if (!double.IsFinite(number))
            {
                return Malformed(start, text.Length, $"found '{text}', expected a number of a reasonable size");
            }

            return new Token(TokenKind.Number, TextSpan.FromBounds(start, _position), text) { NumberValue = number };
        }

        var unit = _text[numberEnd.._position];
        if (!isWhole || unit.Length != 1 || "smhdw".IndexOf(unit[0], StringComparison.Ordinal) < 0)
        {
            return Malformed(
                start,
                text.Length,
                $"found '{SourceText.Shorten(text)}', expected a number, or a duration such as 30d (a whole number followed by s, m, h, d or w)");
        }

        if (text[0] == '-')
        {
            return Malformed(start, text.Length, $"found '{text}', expected a positive duration");
        }

        if (!long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount) || amount > MaxDurationAmount)
        {
            return Malformed(start, text.Length, $"found '{SourceText.Shorten(text)}', expected a duration of a reasonable size");
        }

        var duration = unit[0] switch
        {
            's' => TimeSpan.FromSeconds(amount),
            'm' => TimeSpan.FromMinutes(amount),
            'h' => TimeSpan.FromHours(amount),
            'd' => TimeSpan.FromDays(amount),
            _ => TimeSpan.FromDays(7 * amount),
        };
        return new Token(TokenKind.Duration, TextSpan.FromBounds(start, _position), text) { DurationValue = duration };
    }

    private void SkipDigits()
    {
        while (_position < _text.Length && char.IsAsciiDigit(_text[_position]))
        {
            _position++;
        }
    }
}
