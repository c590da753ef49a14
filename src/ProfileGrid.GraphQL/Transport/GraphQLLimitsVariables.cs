using GraphQL;
using GraphQL.Types;
using GraphQLParser;
using GraphQLParser.AST;

namespace ProfileGrid.GraphQL.Transport;

/// <summary>
/// Whether a document's depth and complexity figures, as graphql-dotnet computes them, can change
/// with its variables. Depth is the document's alone; complexity reads variables in three places:
/// a <c>@skip</c> or <c>@include</c> condition, the <c>first</c> and <c>last</c> arguments (of a list
/// field or of its parent) and the presence of a list field's <c>id</c> argument, and whatever a
/// field's own complexity function reads. A document that uses variables in none of them gets the
/// same figures for every request, so once it has passed the limits it need not be measured again.
/// </summary>
/// <remarks>
/// Errs towards "can change": a selection it cannot resolve against the schema, an introspection
/// field other than <c>__typename</c> or a field with its own complexity function, in a document
/// that declares variables, counts as depending on them.
/// </remarks>
internal static class GraphQLLimitsVariables
{
    public static bool CanChangeTheLimits(ISchema schema, GraphQLDocument document)
    {
        foreach (var definition in document.Definitions)
        {
            if (definition is GraphQLOperationDefinition { Variables.Items.Count: > 0 } operation)
            {
                var root = GraphQLOperationSyntax.RootType(schema, operation);
                if (root is null || new Walk(schema, document).CanChange(operation.SelectionSet, root))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private sealed class Walk(ISchema schema, GraphQLDocument document)
    {
        // A fragment's answer depends on the fragment alone (its own type condition), so it is worked out
        // once however often it is spread; while it is being worked out it counts as "no" (a cycle adds nothing).
        private readonly Dictionary<string, bool> _fragments = new(StringComparer.Ordinal);

        public bool CanChange(GraphQLSelectionSet? selections, IGraphType type)
        {
            foreach (var selection in selections?.Selections ?? [])
            {
                if (selection is IHasDirectivesNode node && GraphQLOperationSyntax.DirectivesReadVariables(node.Directives))
                {
                    return true;
                }

                var changes = selection switch
                {
                    GraphQLField field => FieldCanChange(field, type),
                    GraphQLInlineFragment inline => inline.TypeCondition is { } condition
                        ? TypeNamed(condition) is not { } narrowed || CanChange(inline.SelectionSet, narrowed)
                        : CanChange(inline.SelectionSet, type),
                    GraphQLFragmentSpread spread => SpreadCanChange(spread),
                    _ => true,
                };
                if (changes)
                {
                    return true;
                }
            }

            return false;
        }

        private bool FieldCanChange(GraphQLField field, IGraphType parent)
        {
            if (field.Name.Value == "__typename")
            {
                return false;
            }

            var definition = parent is IComplexGraphType complex && !field.Name.Value.Span.StartsWith("__") ? complex.GetField(field.Name.Value) : null;
            if (definition is null || definition.GetComplexityImpactDelegate() is not null)
            {
                return true;
            }

            var isList = (definition.ResolvedType is NonNullGraphType nonNull ? nonNull.ResolvedType : definition.ResolvedType) is ListGraphType;
            foreach (var argument in field.Arguments?.Items ?? [])
            {
                var name = argument.Name.Value;
                if ((name == "first" || name == "last" || (isList && name == "id")) && GraphQLOperationSyntax.HasVariable(argument.Value))
                {
                    return true;
                }
            }

            if (field.SelectionSet is null)
            {
                return false;
            }

            return definition.ResolvedType?.GetNamedType() is not { } named || CanChange(field.SelectionSet, named);
        }

        private bool SpreadCanChange(GraphQLFragmentSpread spread)
        {
            var name = spread.FragmentName.Name.StringValue;
            if (_fragments.TryGetValue(name, out var known))
            {
                return known;
            }

            if (document.FindFragmentDefinition(spread.FragmentName.Name.Value) is not { } fragment)
            {
                return true;
            }

            _fragments[name] = false;
            var changes = GraphQLOperationSyntax.DirectivesReadVariables(fragment.Directives)
                || TypeNamed(fragment.TypeCondition) is not { } type
                || CanChange(fragment.SelectionSet, type);
            _fragments[name] = changes;
            return changes;
        }

        private IGraphType? TypeNamed(GraphQLTypeCondition condition) => schema.AllTypes[condition.Type.Name.StringValue];
    }
}
