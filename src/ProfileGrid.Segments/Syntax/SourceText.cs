namespace ProfileGrid.Segments.Syntax;

/// <summary>A half-open range of characters of the expression; every error and explanation position comes from one.</summary>
internal readonly record struct TextSpan(int Start, int Length)
{
    public int End => Start + Length;

    public static TextSpan FromBounds(int start, int end) => new(start, end - start);

    public static TextSpan Cover(TextSpan first, TextSpan last) => FromBounds(first.Start, last.End);
}

/// <summary>The expression text with its line starts, to turn offsets into 1-based line and column.</summary>
internal sealed class SourceText
{
    private readonly int[] _lineStarts;

    public SourceText(string text)
    {
        Text = text;
        var starts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                i++;
                starts.Add(i + 1);
            }
            else if (c is '\r' or '\n')
            {
                starts.Add(i + 1);
            }
        }

        _lineStarts = [.. starts];
    }

    public string Text { get; }

    public (int Line, int Column) GetLineColumn(int offset)
    {
        var index = Array.BinarySearch(_lineStarts, offset);
        var line = index >= 0 ? index : ~index - 1;
        return (line + 1, offset - _lineStarts[line] + 1);
    }

    public SegmentError ErrorAt(int offset, string message)
    {
        var (line, column) = GetLineColumn(offset);
        return new SegmentError(line, column, message);
    }

    /// <summary>The text of a span with runs of whitespace (line breaks, indentation) collapsed to one space.</summary>
    public string Normalized(TextSpan span)
    {
        var text = new StringBuilder(span.Length);
        var inString = false;
        var pendingSpace = false;
        for (var i = span.Start; i < span.End; i++)
        {
            var c = Text[i];
            if (!inString && char.IsWhiteSpace(c))
            {
                pendingSpace = text.Length > 0;
                continue;
            }

            if (pendingSpace)
            {
                text.Append(' ');
                pendingSpace = false;
            }

            text.Append(c);
            if (c == '"' && !IsEscaped(i))
            {
                inString = !inString;
            }
        }

        return text.ToString();
    }

    /// <summary>A short excerpt for messages: normalized and cut at 40 characters.</summary>
    public string Excerpt(TextSpan span) => Shorten(Normalized(span));

    public static string Shorten(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 37), "...");

    private bool IsEscaped(int index)
    {
        var backslashes = 0;
        for (var i = index - 1; i >= 0 && Text[i] == '\\'; i--)
        {
            backslashes++;
        }

        return backslashes % 2 == 1;
    }
}

/// <summary>Unwinds the parser on the first syntax error; never escapes the compiler.</summary>
internal sealed class SyntaxErrorException(SegmentError error) : Exception(error.ToString())
{
    public SegmentError Error { get; } = error;
}
