namespace ProfileGrid.Segments;

/// <summary>
/// Turns segment expressions into <see cref="CompiledSegment"/>s. Compilation does all checking (syntax, types,
/// limits) once, at definition time, so that evaluation on every event never fails on the expression.
/// </summary>
public static class SegmentCompiler
{
    /// <summary>
    /// Compiles <paramref name="expression"/>, or throws <see cref="SegmentDefinitionException"/> listing what is wrong
    /// (the first syntax error, or every type error) with line and column.
    /// </summary>
    public static CompiledSegment Compile(string expression, SegmentCompileOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(expression);
        options ??= SegmentCompileOptions.Default;
        var source = new SourceText(expression);
        if (expression.Length > options.MaxExpressionLength)
        {
            var error = source.ErrorAt(
                options.MaxExpressionLength,
                $"found an expression of {expression.Length:N0} characters, expected at most {options.MaxExpressionLength:N0} (the limit is SegmentCompileOptions.MaxExpressionLength)");
            throw new SegmentDefinitionException([error]);
        }

        ConditionSyntax syntax;
        try
        {
            syntax = Parser.Parse(source, options);
        }
        catch (SyntaxErrorException e)
        {
            throw new SegmentDefinitionException([e.Error]);
        }

        var bound = Binder.Bind(syntax, source);
        return new CompiledSegment(expression, syntax, bound);
    }

    /// <summary>
    /// Like <see cref="Compile"/> but returns the errors instead of throwing: for definition screens that check
    /// as the marketer types.
    /// </summary>
    public static bool TryCompile(
        string expression,
        [NotNullWhen(true)] out CompiledSegment? segment,
        out IReadOnlyList<SegmentError> errors,
        SegmentCompileOptions? options = null)
    {
        try
        {
            segment = Compile(expression, options);
            errors = [];
            return true;
        }
        catch (SegmentDefinitionException e)
        {
            segment = null;
            errors = e.Errors;
            return false;
        }
    }
}
