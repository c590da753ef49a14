namespace ProfileGrid.Segments.Binding;

/// <summary>A position of an <c>inSegment</c> reference, so catalog errors can point at it.</summary>
internal sealed record SegmentReference(string SegmentId, int Line, int Column);

/// <summary>The result of binding: the executable tree and what it reads.</summary>
internal sealed record BoundSegment(ConditionNode Root, SegmentDependencies Dependencies, IReadOnlyList<SegmentReference> References);

/// <summary>
/// Checks types and turns the syntax tree into executable nodes. It goes on after an error (with a placeholder)
/// so that a definition reports all its type errors at once.
/// </summary>
internal sealed class Binder
{
    private readonly SourceText _source;
    private readonly List<SegmentError> _errors = [];
    private readonly HashSet<string> _eventTypes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _traitPaths = new(StringComparer.Ordinal);
    private readonly HashSet<string> _statsFields = new(StringComparer.Ordinal);
    private StatsChange _statsRead;
    private readonly HashSet<string> _identityNamespaces = new(StringComparer.Ordinal);
    private readonly HashSet<string> _segmentIds = new(StringComparer.Ordinal);
    private readonly List<SegmentReference> _references = [];
    private bool _anyEventType;
    private bool _usesEvents;
    private bool _hasTimeWindows;

    private Binder(SourceText source) => _source = source;

    /// <summary>Binds the tree, or throws <see cref="SegmentDefinitionException"/> with every type error.</summary>
    public static BoundSegment Bind(ConditionSyntax syntax, SourceText source)
    {
        var binder = new Binder(source);
        var root = binder.BindCondition(syntax);
        if (binder._errors.Count > 0)
        {
            throw new SegmentDefinitionException([.. binder._errors.OrderBy(e => e.Line).ThenBy(e => e.Column)]);
        }

        var dependencies = new SegmentDependencies(
            binder._eventTypes.ToFrozenSet(StringComparer.Ordinal),
            binder._anyEventType,
            binder._usesEvents,
            binder._traitPaths.ToFrozenSet(StringComparer.Ordinal),
            binder._statsFields.ToFrozenSet(StringComparer.Ordinal),
            binder._statsRead,
            binder._identityNamespaces.ToFrozenSet(StringComparer.Ordinal),
            binder._segmentIds.ToFrozenSet(StringComparer.Ordinal),
            binder._hasTimeWindows);
        return new BoundSegment(root, dependencies, binder._references);
    }

    private ConditionNode BindCondition(ConditionSyntax syntax)
    {
        switch (syntax)
        {
            case OrSyntax or:
                return new AnyOfCondition(or.Operands.Select(BindCondition).ToArray());
            case AndSyntax and:
                return new AllOfCondition(and.Operands.Select(BindCondition).ToArray());
            case NotSyntax not:
                return new NotCondition(BindCondition(not.Operand));
            case ComparisonSyntax comparison:
            {
                var left = BindValue(comparison.Left);
                var right = BindValue(comparison.Right);
                CheckComparison(comparison, left.Type, right.Type);
                return new ComparisonCondition(Leaf(syntax), left, comparison.Operator, right);
            }

            case InListSyntax list:
            {
                var left = BindValue(list.Left);
                var items = CheckList(list, left.Type);
                return new InListCondition(Leaf(syntax), left, items);
            }

            case ValueConditionSyntax value:
            {
                var node = BindValue(value.Value);
                CheckUsableAsCondition(value.Value, node.Type);
                return new BooleanValueCondition(Leaf(syntax), node);
            }

            case ExistsEventsSyntax exists:
                return new ExistsEventsCondition(Leaf(syntax), BindEventSet(exists.Events).Set);
            case ExistsFieldSyntax exists:
                return new FieldExistsCondition(Leaf(syntax), BindValue(exists.Field));
            case HasIdentitySyntax identity:
                _identityNamespaces.Add(identity.Namespace);
                return new HasIdentityCondition(Leaf(syntax), identity.Namespace);
            case InSegmentSyntax segment:
            {
                _segmentIds.Add(segment.SegmentId);
                var (line, column) = _source.GetLineColumn(segment.Span.Start);
                _references.Add(new SegmentReference(segment.SegmentId, line, column));
                return new InSegmentCondition(Leaf(syntax), segment.SegmentId);
            }

            case SequenceSyntax sequence:
            {
                var steps = sequence.Steps.Select(step => BindEventSet(step).Set).ToArray();
                if (sequence.Window is not null)
                {
                    _hasTimeWindows = true;
                }

                return new SequenceCondition(Leaf(syntax), steps, sequence.Window?.Value.Ticks ?? 0);
            }

            default:
                throw new UnreachableException($"Unknown condition {syntax.GetType().Name}.");
        }
    }

    private LeafInfo Leaf(ConditionSyntax syntax)
    {
        var (line, column) = _source.GetLineColumn(syntax.Span.Start);
        return new LeafInfo(_source.Normalized(syntax.Span), line, column);
    }

    private ValueNode BindValue(ValueSyntax syntax)
    {
        switch (syntax)
        {
            case StringLiteralSyntax or NumberLiteralSyntax or BooleanLiteralSyntax or DateLiteralSyntax:
            {
                var (value, type) = Literal(syntax);
                return new LiteralValue(value, type);
            }

            case TraitSyntax trait:
            {
                var path = new JsonPath(trait.Path);
                _traitPaths.Add(path.Text);
                return new TraitValue(path);
            }

            case StatsSyntax stats:
                if (!KnownStats.TryFind(stats.Name, out var field))
                {
                    AddError(stats.NameSpan, $"found '{stats.Name}', expected a stats field: {KnownStats.NameList}");
                    return new InvalidValue();
                }

                _statsFields.Add(stats.Name);
                _statsRead |= KnownStats.FlagOf(field);
                return new StatsValue(field);
            case CountSyntax count:
                return new CountValue(BindEventSet(count.Events).Set);
            case AggregateSyntax aggregate:
                return BindAggregate(aggregate);
            default:
                throw new UnreachableException($"Unexpected value {syntax.GetType().Name} outside an event predicate.");
        }
    }

    private ValueNode BindAggregate(AggregateSyntax aggregate)
    {
        var field = BindEventValue(aggregate.Field);
        var events = BindEventSet(aggregate.Events).Set;
        var allowsDates = aggregate.Function is AggregateFunction.Min or AggregateFunction.Max;
        var acceptable = field.Type is SegmentType.Number or SegmentType.Dynamic || (allowsDates && field.Type == SegmentType.Date);
        if (!acceptable)
        {
            var name = SyntaxPrinter.FunctionText(aggregate.Function);
            var expected = allowsDates
                ? "a number or date field (revenue, timestamp or attributes.<path>)"
                : "a number field (revenue or attributes.<path>)";
            AddError(aggregate.Field.Span, $"found {Describe(aggregate.Field)} ({SegmentTypeNames.WithArticle(field.Type)}), expected {expected} for {name}(...)");
            return new InvalidValue();
        }

        var type = field.Type == SegmentType.Date ? SegmentType.Date : SegmentType.Number;
        return new AggregateValue(aggregate.Function, field, events, type);
    }

    private (EventSetNode Set, EventConditionNode? Filter) BindEventSet(EventSetSyntax syntax)
    {
        _usesEvents = true;
        EventConditionNode? filter = null;
        IReadOnlySet<string>? pinned = null;
        if (syntax.Filter is { } filterSyntax)
        {
            (filter, pinned) = BindEventCondition(filterSyntax);
        }

        if (pinned is null)
        {
            _anyEventType = true;
        }
        else
        {
            _eventTypes.UnionWith(pinned);
        }

        if (syntax.Window is not null)
        {
            _hasTimeWindows = true;
        }

        var onlyType = pinned is { Count: 1 } ? pinned.Single() : null;
        var filterWithinType = onlyType is null ? filter : WithoutTypeCondition(filter, onlyType);
        return (new EventSetNode(filter, syntax.Window?.Value.Ticks ?? 0, onlyType, filterWithinType), filter);
    }

    /// <summary>
    /// <paramref name="filter"/> for events already known to be of <paramref name="type"/>: without a top-level
    /// <c>type = "..."</c> of that type (null when nothing else is left to test).
    /// </summary>
    private static EventConditionNode? WithoutTypeCondition(EventConditionNode? filter, string type)
    {
        switch (filter)
        {
            case EventTextEquals equals when equals.IsTypeEqualTo(type):
                return null;
            case EventAllOf all:
                var rest = all.Operands.Where(o => o is not EventTextEquals e || !e.IsTypeEqualTo(type)).ToArray();
                return rest.Length switch
                {
                    0 => null,
                    1 => rest[0],
                    _ when rest.Length == all.Operands.Count => all,
                    _ => new EventAllOf(rest),
                };
            default:
                return filter;
        }
    }

    /// <summary>
    /// Binds an event predicate and works out which event types it can match (null: any type), so that events of
    /// other types need not trigger a re-evaluation.
    /// </summary>
    private (EventConditionNode Node, IReadOnlySet<string>? Types) BindEventCondition(ConditionSyntax syntax)
    {
        switch (syntax)
        {
            case AndSyntax and:
            {
                var operands = and.Operands.Select(BindEventCondition).ToArray();
                HashSet<string>? types = null;
                foreach (var (_, operandTypes) in operands)
                {
                    if (operandTypes is null)
                    {
                        continue;
                    }

                    if (types is null)
                    {
                        types = new HashSet<string>(operandTypes, StringComparer.Ordinal);
                    }
                    else
                    {
                        types.IntersectWith(operandTypes);
                    }
                }

                return (new EventAllOf(operands.Select(o => o.Node).ToArray()), types);
            }

            case OrSyntax or:
            {
                var operands = or.Operands.Select(BindEventCondition).ToArray();
                HashSet<string>? types = operands.All(o => o.Types is not null)
                    ? operands.SelectMany(o => o.Types!).ToHashSet(StringComparer.Ordinal)
                    : null;
                return (new EventAnyOf(operands.Select(o => o.Node).ToArray()), types);
            }

            case NotSyntax not:
                return (new EventNot(BindEventCondition(not.Operand).Node), null);
            case ComparisonSyntax comparison:
                return BindEventComparison(comparison);
            case InListSyntax list:
            {
                var left = BindEventValue(list.Left);
                var items = CheckList(list, left.Type);
                if (list.Left is EventFieldSyntax { Field: EventField.Type or EventField.Channel or EventField.Campaign } field
                    && items.All(i => i.Kind == ValueKind.String))
                {
                    var values = items.Select(i => i.Text!).ToArray();
                    var types = field.Field == EventField.Type ? values.ToHashSet(StringComparer.Ordinal) : null;
                    return (new EventTextIn(field.Field, values), types);
                }

                return (new EventInList(left, items), null);
            }

            case ValueConditionSyntax value:
            {
                var node = BindEventValue(value.Value);
                CheckUsableAsCondition(value.Value, node.Type);
                return (new EventBooleanValue(node), null);
            }

            case ExistsFieldSyntax exists:
                return (new EventFieldExists(BindEventValue(exists.Field)), null);
            default:
                throw new UnreachableException($"Unexpected condition {syntax.GetType().Name} in an event predicate.");
        }
    }

    private (EventConditionNode Node, IReadOnlySet<string>? Types) BindEventComparison(ComparisonSyntax comparison)
    {
        var left = BindEventValue(comparison.Left);
        var right = BindEventValue(comparison.Right);
        CheckComparison(comparison, left.Type, right.Type);
        if (comparison.Operator is ComparisonOperator.Equal or ComparisonOperator.NotEqual)
        {
            var (field, text) = (comparison.Left, comparison.Right) switch
            {
                (EventFieldSyntax f, StringLiteralSyntax s) => (f, s.Value),
                (StringLiteralSyntax s, EventFieldSyntax f) => (f, s.Value),
                _ => (null, null),
            };
            if (field is { Field: EventField.Type or EventField.Channel or EventField.Campaign } && text is not null)
            {
                var negate = comparison.Operator == ComparisonOperator.NotEqual;
                var types = field.Field == EventField.Type && !negate ? new HashSet<string>(StringComparer.Ordinal) { text } : null;
                return (new EventTextEquals(field.Field, text, negate), types);
            }
        }

        return (new EventComparison(left, comparison.Operator, right), null);
    }

    private EventValueNode BindEventValue(ValueSyntax syntax)
    {
        switch (syntax)
        {
            case StringLiteralSyntax or NumberLiteralSyntax or BooleanLiteralSyntax or DateLiteralSyntax:
            {
                var (value, type) = Literal(syntax);
                return new EventLiteralValue(value, type);
            }

            case EventFieldSyntax field:
                return field.Field switch
                {
                    EventField.Type or EventField.Channel or EventField.Campaign => new EventTextFieldValue(field.Field),
                    EventField.Revenue => new EventRevenueValue(),
                    EventField.Timestamp => new EventTimestampValue(),
                    _ => new EventAttributeValue(new JsonPath(field.AttributePath)),
                };
            default:
                throw new UnreachableException($"Unexpected value {syntax.GetType().Name} in an event predicate.");
        }
    }

    private static (SegmentValue Value, SegmentType Type) Literal(ValueSyntax syntax) => syntax switch
    {
        StringLiteralSyntax s => (SegmentValue.FromString(s.Value), SegmentType.String),
        NumberLiteralSyntax n => (SegmentValue.FromNumber(n.Value), SegmentType.Number),
        BooleanLiteralSyntax b => (SegmentValue.FromBoolean(b.Value), SegmentType.Boolean),
        DateLiteralSyntax d => (SegmentValue.FromDate(d.Value), SegmentType.Date),
        _ => throw new UnreachableException(),
    };

    private SegmentValue[] CheckList(InListSyntax list, SegmentType leftType)
    {
        var items = list.Items.Select(Literal).ToArray();
        var itemType = items[0].Type;
        for (var i = 1; i < items.Length; i++)
        {
            if (items[i].Type != itemType)
            {
                AddError(
                    list.Items[i].Span,
                    $"found {Describe(list.Items[i])} ({SegmentTypeNames.WithArticle(items[i].Type)}), expected {SegmentTypeNames.WithArticle(itemType)} like the first value of the list");
                return [.. items.Select(i => i.Value)];
            }
        }

        if (!AreComparable(leftType, itemType))
        {
            AddError(
                list.Items[0].Span,
                $"found {Describe(list.Items[0])} ({SegmentTypeNames.WithArticle(itemType)}), expected {SegmentTypeNames.WithArticle(leftType)} to compare with {Describe(list.Left)}{DateHint(leftType, itemType)}");
        }

        return [.. items.Select(i => i.Value)];
    }

    private void CheckComparison(ComparisonSyntax comparison, SegmentType left, SegmentType right)
    {
        if (left == SegmentType.Invalid || right == SegmentType.Invalid)
        {
            return;
        }

        var op = SyntaxPrinter.OperatorText(comparison.Operator);
        if (comparison.Operator is ComparisonOperator.Contains or ComparisonOperator.StartsWith)
        {
            if (left is not (SegmentType.String or SegmentType.Dynamic))
            {
                AddError(
                    comparison.Left.Span,
                    $"found {Describe(comparison.Left)} ({SegmentTypeNames.WithArticle(left)}) before '{op}', expected text, a trait or an attribute ('{op}' works on text)");
            }
            else if (right is not (SegmentType.String or SegmentType.Dynamic))
            {
                AddError(
                    comparison.Right.Span,
                    $"found {Describe(comparison.Right)} ({SegmentTypeNames.WithArticle(right)}) after '{op}', expected text");
            }

            return;
        }

        if (!AreComparable(left, right))
        {
            var (bad, other, badType, otherType) = comparison.Left is StringLiteralSyntax or NumberLiteralSyntax or BooleanLiteralSyntax or DateLiteralSyntax
                && comparison.Right is not (StringLiteralSyntax or NumberLiteralSyntax or BooleanLiteralSyntax or DateLiteralSyntax)
                ? (comparison.Left, comparison.Right, left, right)
                : (comparison.Right, comparison.Left, right, left);
            AddError(
                bad.Span,
                $"found {Describe(bad)} ({SegmentTypeNames.WithArticle(badType)}), expected {SegmentTypeNames.WithArticle(otherType)} to compare with {Describe(other)}{DateHint(otherType, badType)}");
            return;
        }

        var ordered = comparison.Operator is not (ComparisonOperator.Equal or ComparisonOperator.NotEqual);
        if (ordered && (left == SegmentType.Boolean || right == SegmentType.Boolean))
        {
            AddError(comparison.OperatorSpan, $"found '{op}', expected '=' or '!=' (true/false values have no order)");
        }
    }

    private void CheckUsableAsCondition(ValueSyntax syntax, SegmentType type)
    {
        if (type is SegmentType.Boolean or SegmentType.Dynamic or SegmentType.Invalid)
        {
            return;
        }

        AddError(
            syntax.Span,
            $"found {Describe(syntax)} ({SegmentTypeNames.WithArticle(type)}), expected a condition: compare it with a value, e.g. {Describe(syntax)} {ExampleComparison(type)}");
    }

    private static string ExampleComparison(SegmentType type) => type switch
    {
        SegmentType.Number => ">= 1",
        SegmentType.Date => "> date(\"2026-01-31\")",
        _ => "= \"...\"",
    };

    private static bool AreComparable(SegmentType left, SegmentType right) =>
        left == right || left is SegmentType.Dynamic or SegmentType.Invalid || right is SegmentType.Dynamic or SegmentType.Invalid;

    private static string DateHint(SegmentType expected, SegmentType found) =>
        expected == SegmentType.Date && found == SegmentType.String ? " (write dates as date(\"2026-01-31\"))" : string.Empty;

    private string Describe(ValueSyntax syntax) => _source.Excerpt(syntax.Span);

    private void AddError(TextSpan span, string message) => _errors.Add(_source.ErrorAt(span.Start, message));
}
