using System.Text;
using static ProfileGrid.Segments.UnitTests.Support.Profiles;

namespace ProfileGrid.Segments.UnitTests;

/// <summary>
/// Property tests over thousands of generated expressions and inputs (seeded, reproducible): valid expressions
/// round-trip through the printer and evaluate consistently; garbage only ever produces definition errors.
/// </summary>
public sealed class FuzzTests
{
    private const int GeneratedExpressions = 1500;

    [Fact]
    public void Generated_expressions_compile_and_their_canonical_form_parses_to_the_same_tree()
    {
        for (var seed = 0; seed < GeneratedExpressions; seed++)
        {
            var expression = new ExpressionGenerator(seed).Condition();

            var segment = Compile(expression, seed);
            var canonical = segment.CanonicalExpression;
            var reparsed = Compile(canonical, seed);

            Assert.True(SyntaxDump.Of(segment.Syntax) == SyntaxDump.Of(reparsed.Syntax), $"seed {seed}: {expression}\ncanonical: {canonical}");
            Assert.Equal(canonical, reparsed.CanonicalExpression);
        }
    }

    [Fact]
    public void Generated_expressions_evaluate_explain_and_schedule_consistently()
    {
        for (var seed = 0; seed < GeneratedExpressions; seed++)
        {
            var generator = new ExpressionGenerator(seed);
            var segment = Compile(generator.Condition(), seed);
            for (var person = 0; person < 3; person++)
            {
                var subject = generator.Subject();
                var member = segment.Evaluate(subject, Now);
                var timed = segment.EvaluateWithNextChange(subject, Now);
                var context = $"seed {seed}, person {person}: {segment.Expression}";

                Assert.True(member == timed.IsMember, context);
                Assert.True(member == segment.Explain(subject, Now).Result, context);
                AssertNoChangeBefore(segment, subject, timed, context);
            }
        }
    }

    [Fact]
    public void Following_next_time_change_never_misses_a_change_of_windowed_segments()
    {
        var scheduled = 0;
        var changes = 0;
        for (var seed = 0; seed < 1500; seed++)
        {
            var generator = new ExpressionGenerator(seed);
            var segment = Compile(generator.WindowedCondition(), seed);
            var subject = generator.Subject();
            var context = $"seed {seed}: {segment.Expression}";

            // Every instant at which the result can change is an event timestamp plus one of the windows.
            var candidates = subject.Events
                .SelectMany(e => ExpressionGenerator.Windows.Select(w => e.Timestamp + w))
                .Where(t => t > Now)
                .Distinct()
                .Order()
                .ToList();
            var actualChanges = candidates.Where(t => segment.Evaluate(subject, t) != segment.Evaluate(subject, t.AddTicks(-1))).ToList();

            var timers = new HashSet<DateTimeOffset>();
            var at = Now;
            var member = segment.Evaluate(subject, at);
            while (segment.NextTimeChange(subject, at) is { } next)
            {
                Assert.True(next > at, context);
                Assert.True(member == segment.Evaluate(subject, next.AddTicks(-1)), $"{context}\nchanged before the timer at {next:o}");
                timers.Add(next);
                (at, member) = (next, segment.Evaluate(subject, next));
            }

            Assert.True(member == segment.Evaluate(subject, Now.AddYears(20)), $"{context}\nchanged after the last timer at {at:o}");
            Assert.All(actualChanges, change => Assert.True(timers.Contains(change), $"{context}\nno timer at the change {change:o}"));
            scheduled += timers.Count;
            changes += actualChanges.Count;
        }

        Assert.True(scheduled > 250 && changes > 60, $"only {scheduled} timers and {changes} changes were exercised");
    }

    /// <summary>NextTimeChange may be early but never late: the result holds at every instant before it.</summary>
    private static void AssertNoChangeBefore(CompiledSegment segment, ISegmentSubject subject, SegmentResult timed, string context)
    {
        var horizon = timed.NextTimeChange ?? Now.AddDays(4000);
        Assert.True(horizon > Now, context);
        var span = horizon - Now;
        foreach (var probe in new[] { Now.AddTicks(1), Now + (span / 3), Now + (span / 2), horizon.AddTicks(-1) })
        {
            Assert.True(timed.IsMember == segment.Evaluate(subject, probe), $"{context}\nchanged at {probe:o} before {timed.NextTimeChange:o}");
        }
    }

    [Fact]
    public void Random_token_soup_only_ever_fails_with_a_positioned_definition_error()
    {
        string[] vocabulary =
        [
            "traits", ".", "x", "loyaltyTier", "=", "!=", "<", ">=", "\"a\"", "\"", "(", ")", "[", "]", ",", "and", "or", "not",
            "events", "where", "within", "30d", "1h", "count", "exists", "sum", "min", "of", "revenue", "type", "attributes", "in",
            "contains", "startsWith", "3", "-", "-2.5", "1e3", "date", "\"2026-01-31\"", "sequence", "inSegment", "hasIdentity",
            "stats", "lifetimeRevenue", "firstSeen", "true", "false", "\\", "==", "!", "#", "1.", "5x", "'", "&&", "\n", "\r\n", " ",
            "é", "\u0001", "😀", "AND", "\"\\u00e9\"", "\"\\q\"",
        ];
        var random = new Random(20260301);
        for (var i = 0; i < 20_000; i++)
        {
            var text = new StringBuilder();
            var length = random.Next(1, 25);
            for (var j = 0; j < length; j++)
            {
                text.Append(vocabulary[random.Next(vocabulary.Length)]);
                if (random.Next(3) > 0)
                {
                    text.Append(' ');
                }
            }

            AssertCompilesOrFailsCleanly(text.ToString());
        }
    }

    [Fact]
    public void Random_characters_only_ever_fail_with_a_positioned_definition_error()
    {
        var random = new Random(42);
        for (var i = 0; i < 5_000; i++)
        {
            var chars = Enumerable.Range(0, random.Next(0, 40)).Select(_ => (char)random.Next(0, random.Next(2) == 0 ? 128 : 0xFFFF)).ToArray();

            AssertCompilesOrFailsCleanly(new string(chars));
        }
    }

    [Fact]
    public void Mutated_valid_expressions_only_ever_fail_with_a_positioned_definition_error()
    {
        var random = new Random(7);
        const string Alphabet = "()[],.=<>!\" \n\\abcdefghijklmnopqrstuvwxyz0123456789-_";
        for (var seed = 0; seed < GeneratedExpressions; seed++)
        {
            var expression = new ExpressionGenerator(seed).Condition();
            for (var mutation = 0; mutation < 8; mutation++)
            {
                var position = random.Next(expression.Length);
                var mutated = random.Next(3) switch
                {
                    0 => expression.Remove(position, 1),
                    1 => expression.Insert(position, Alphabet[random.Next(Alphabet.Length)].ToString()),
                    _ => expression.Remove(position, 1).Insert(position, Alphabet[random.Next(Alphabet.Length)].ToString()),
                };

                AssertCompilesOrFailsCleanly(mutated);
            }
        }
    }

    private static CompiledSegment Compile(string expression, int seed)
    {
        try
        {
            return SegmentCompiler.Compile(expression);
        }
        catch (SegmentDefinitionException e)
        {
            throw new Xunit.Sdk.XunitException($"seed {seed}: generated expression rejected: {e.Message}\n{expression}");
        }
    }

    private static void AssertCompilesOrFailsCleanly(string text)
    {
        try
        {
            var segment = SegmentCompiler.Compile(text);
            segment.Evaluate(new ExpressionGenerator(text.Length).Subject(), Now);
            Assert.Equal(SyntaxDump.Of(segment.Syntax), SyntaxDump.Of(SegmentCompiler.Compile(segment.CanonicalExpression).Syntax));
        }
        catch (SegmentDefinitionException e)
        {
            var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n', '\r');
            Assert.NotEmpty(e.Errors);
            foreach (var error in e.Errors)
            {
                Assert.InRange(error.Line, 1, lines.Length);
                Assert.InRange(error.Column, 1, lines[error.Line - 1].Length + 1);
                Assert.StartsWith("found ", error.Message, StringComparison.Ordinal);
                Assert.Contains(", expected ", error.Message, StringComparison.Ordinal);
            }
        }
    }
}
