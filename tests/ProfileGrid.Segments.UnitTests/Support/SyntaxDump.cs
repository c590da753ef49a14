using System.Globalization;
using System.Text;

namespace ProfileGrid.Segments.UnitTests.Support;

/// <summary>
/// An S-expression of a syntax tree without positions, written independently of the printer, so that
/// "print then parse gives the same tree" is checked by something other than the printer itself.
/// </summary>
internal static class SyntaxDump
{
    public static string Of(ConditionSyntax condition)
    {
        var text = new StringBuilder();
        Condition(text, condition);
        return text.ToString();
    }

    private static void Condition(StringBuilder text, ConditionSyntax condition)
    {
        switch (condition)
        {
            case OrSyntax or: List(text, "or", or.Operands); break;
            case AndSyntax and: List(text, "and", and.Operands); break;
            case NotSyntax not: text.Append("(not "); Condition(text, not.Operand); text.Append(')'); break;
            case ComparisonSyntax c:
                text.Append('(').Append(c.Operator).Append(' ');
                Value(text, c.Left);
                text.Append(' ');
                Value(text, c.Right);
                text.Append(')');
                break;
            case InListSyntax l:
                text.Append("(in ");
                Value(text, l.Left);
                foreach (var item in l.Items)
                {
                    text.Append(' ');
                    Value(text, item);
                }

                text.Append(')');
                break;
            case ValueConditionSyntax v: text.Append("(is "); Value(text, v.Value); text.Append(')'); break;
            case ExistsEventsSyntax e: text.Append("(exists "); Events(text, e.Events); text.Append(')'); break;
            case ExistsFieldSyntax e: text.Append("(has "); Value(text, e.Field); text.Append(')'); break;
            case HasIdentitySyntax h: text.Append("(identity ").Append(Escape(h.Namespace)).Append(')'); break;
            case InSegmentSyntax s: text.Append("(segment ").Append(Escape(s.SegmentId)).Append(')'); break;
            case SequenceSyntax s:
                text.Append("(sequence ").Append(s.Window?.Value.Ticks ?? 0);
                foreach (var step in s.Steps)
                {
                    text.Append(' ');
                    Events(text, step);
                }

                text.Append(')');
                break;
            default: throw new InvalidOperationException(condition.GetType().Name);
        }
    }

    private static void List(StringBuilder text, string name, IReadOnlyList<ConditionSyntax> operands)
    {
        text.Append('(').Append(name);
        foreach (var operand in operands)
        {
            text.Append(' ');
            Condition(text, operand);
        }

        text.Append(')');
    }

    private static void Events(StringBuilder text, EventSetSyntax events)
    {
        text.Append("(events ").Append(events.Window?.Value.Ticks ?? 0).Append(' ');
        if (events.Filter is null)
        {
            text.Append("all");
        }
        else
        {
            Condition(text, events.Filter);
        }

        text.Append(')');
    }

    private static void Value(StringBuilder text, ValueSyntax value)
    {
        switch (value)
        {
            case StringLiteralSyntax s: text.Append("s:").Append(Escape(s.Value)); break;
            case NumberLiteralSyntax n: text.Append("n:").Append(BitConverter.DoubleToInt64Bits(n.Value).ToString(CultureInfo.InvariantCulture)); break;
            case BooleanLiteralSyntax b: text.Append("b:").Append(b.Value); break;
            case DateLiteralSyntax d: text.Append("d:").Append(d.Value.UtcTicks); break;
            case TraitSyntax t: text.Append("traits/").AppendJoin('/', t.Path); break;
            case StatsSyntax s: text.Append("stats/").Append(s.Name); break;
            case EventFieldSyntax f: text.Append("event/").Append(f.Field).Append('/').AppendJoin('/', f.AttributePath); break;
            case CountSyntax c: text.Append("(count "); Events(text, c.Events); text.Append(')'); break;
            case AggregateSyntax a:
                text.Append('(').Append(a.Function).Append(' ');
                Value(text, a.Field);
                text.Append(' ');
                Events(text, a.Events);
                text.Append(')');
                break;
            default: throw new InvalidOperationException(value.GetType().Name);
        }
    }

    private static string Escape(string value) =>
        string.Concat(value.Select(c => char.IsAsciiLetterOrDigit(c) ? c.ToString() : $"%{(int)c:x4}"));
}
