namespace ProfileGrid.Segments.Syntax;

/// <summary>
/// Prints a syntax tree back as canonical source that parses to the same tree: single spaces, parentheses only
/// where the tree needs them, dates in UTC. Used to normalise stored definitions and by the round-trip tests.
/// </summary>
internal static class SyntaxPrinter
{
    public static string Print(ConditionSyntax condition)
    {
        var text = new StringBuilder();
        PrintCondition(text, condition);
        return text.ToString();
    }

    private static void PrintCondition(StringBuilder text, ConditionSyntax condition)
    {
        switch (condition)
        {
            case OrSyntax or:
                PrintOperands(text, or.Operands, " or ", operand => operand is OrSyntax);
                break;
            case AndSyntax and:
                PrintOperands(text, and.Operands, " and ", operand => operand is OrSyntax or AndSyntax);
                break;
            case NotSyntax not:
                text.Append("not ");
                PrintNested(text, not.Operand, not.Operand is OrSyntax or AndSyntax);
                break;
            case ComparisonSyntax comparison:
                PrintValue(text, comparison.Left);
                text.Append(' ').Append(OperatorText(comparison.Operator)).Append(' ');
                PrintValue(text, comparison.Right);
                break;
            case InListSyntax list:
                PrintValue(text, list.Left);
                text.Append(" in [");
                for (var i = 0; i < list.Items.Count; i++)
                {
                    if (i > 0)
                    {
                        text.Append(", ");
                    }

                    PrintValue(text, list.Items[i]);
                }

                text.Append(']');
                break;
            case ValueConditionSyntax value:
                PrintValue(text, value.Value);
                break;
            case ExistsEventsSyntax exists:
                text.Append("exists(");
                PrintEventSet(text, exists.Events);
                text.Append(')');
                break;
            case ExistsFieldSyntax exists:
                text.Append("exists(");
                PrintValue(text, exists.Field);
                text.Append(')');
                break;
            case HasIdentitySyntax identity:
                text.Append("hasIdentity(").Append(Quote(identity.Namespace)).Append(')');
                break;
            case InSegmentSyntax segment:
                text.Append("inSegment(").Append(Quote(segment.SegmentId)).Append(')');
                break;
            case SequenceSyntax sequence:
                text.Append("sequence(");
                for (var i = 0; i < sequence.Steps.Count; i++)
                {
                    if (i > 0)
                    {
                        text.Append(", ");
                    }

                    PrintEventSet(text, sequence.Steps[i]);
                }

                text.Append(')');
                if (sequence.Window is { } window)
                {
                    text.Append(" within ").Append(window.Text);
                }

                break;
            default:
                throw new UnreachableException($"Unknown condition {condition.GetType().Name}.");
        }
    }

    private static void PrintOperands(StringBuilder text, IReadOnlyList<ConditionSyntax> operands, string separator, Func<ConditionSyntax, bool> needsParentheses)
    {
        for (var i = 0; i < operands.Count; i++)
        {
            if (i > 0)
            {
                text.Append(separator);
            }

            PrintNested(text, operands[i], needsParentheses(operands[i]));
        }
    }

    private static void PrintNested(StringBuilder text, ConditionSyntax condition, bool parenthesize)
    {
        if (parenthesize)
        {
            text.Append('(');
        }

        PrintCondition(text, condition);
        if (parenthesize)
        {
            text.Append(')');
        }
    }

    private static void PrintEventSet(StringBuilder text, EventSetSyntax events)
    {
        text.Append("events");
        if (events.Filter is { } filter)
        {
            text.Append(" where ");
            PrintCondition(text, filter);
        }

        if (events.Window is { } window)
        {
            text.Append(" within ").Append(window.Text);
        }
    }

    private static void PrintValue(StringBuilder text, ValueSyntax value)
    {
        switch (value)
        {
            case StringLiteralSyntax s:
                text.Append(Quote(s.Value));
                break;
            case NumberLiteralSyntax n:
                text.Append(n.Value.ToString("R", CultureInfo.InvariantCulture));
                break;
            case BooleanLiteralSyntax b:
                text.Append(b.Value ? "true" : "false");
                break;
            case DateLiteralSyntax d:
                text.Append("date(\"").Append(DateLiteral.Format(d.Value.UtcTicks)).Append("\")");
                break;
            case TraitSyntax trait:
                text.Append("traits.").AppendJoin('.', trait.Path);
                break;
            case StatsSyntax stats:
                text.Append("stats.").Append(stats.Name);
                break;
            case EventFieldSyntax field:
                text.Append(FieldText(field.Field));
                if (field.Field == EventField.Attributes)
                {
                    text.Append('.').AppendJoin('.', field.AttributePath);
                }

                break;
            case CountSyntax count:
                text.Append("count(");
                PrintEventSet(text, count.Events);
                text.Append(')');
                break;
            case AggregateSyntax aggregate:
                text.Append(FunctionText(aggregate.Function)).Append('(');
                PrintValue(text, aggregate.Field);
                text.Append(" of ");
                PrintEventSet(text, aggregate.Events);
                text.Append(')');
                break;
            default:
                throw new UnreachableException($"Unknown value {value.GetType().Name}.");
        }
    }

    public static string OperatorText(ComparisonOperator op) => op switch
    {
        ComparisonOperator.Equal => "=",
        ComparisonOperator.NotEqual => "!=",
        ComparisonOperator.Less => "<",
        ComparisonOperator.LessOrEqual => "<=",
        ComparisonOperator.Greater => ">",
        ComparisonOperator.GreaterOrEqual => ">=",
        ComparisonOperator.Contains => "contains",
        _ => "startsWith",
    };

    public static string FieldText(EventField field) => field switch
    {
        EventField.Type => "type",
        EventField.Channel => "channel",
        EventField.Campaign => "campaign",
        EventField.Revenue => "revenue",
        EventField.Timestamp => "timestamp",
        _ => "attributes",
    };

    public static string FunctionText(AggregateFunction function) => function switch
    {
        AggregateFunction.Sum => "sum",
        AggregateFunction.Min => "min",
        AggregateFunction.Max => "max",
        _ => "avg",
    };

    /// <summary>Writes text as a language string literal, escaping what the lexer would not read back verbatim.</summary>
    public static string Quote(string value)
    {
        var text = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                default:
                    if (char.IsControl(c) || char.IsSurrogate(c) || char.IsWhiteSpace(c) && c != ' ')
                    {
                        text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        text.Append(c);
                    }

                    break;
            }
        }

        return text.Append('"').ToString();
    }
}
