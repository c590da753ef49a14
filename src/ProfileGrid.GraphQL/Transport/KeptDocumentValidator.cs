using System.Runtime.CompilerServices;
using GraphQL;
using GraphQL.Execution;
using GraphQL.Types;
using GraphQL.Validation;
using GraphQLParser;
using GraphQLParser.AST;

namespace ProfileGrid.GraphQL.Transport;

/// <summary>
/// graphql-dotnet's document validation, with a shortcut for an operation of a kept document
/// (<see cref="GraphQLRequestExecutor"/>) validated without rules. graphql-dotnet then still walks the
/// whole operation twice against the schema, to find where each variable is used and to read each
/// field's arguments; for a kept operation both walks were done once, when it was kept, so a request
/// only coerces its variables and reads the arguments of the fields that have any. The result is the
/// one graphql-dotnet gives (values, errors, their order). Operations the shortcut does not cover
/// (any directive, a variable inside a list or object value, a nullable variable passed where a
/// non-null value is required) are validated by graphql-dotnet as before.
/// </summary>
internal sealed class KeptDocumentValidator : IDocumentValidator
{
    private readonly DocumentValidator _validator = new();
    private readonly ConditionalWeakTable<GraphQLOperationDefinition, KeptOperation> _kept = new();

    /// <summary>Prepares the shortcut for each operation of a document that passed every rule, where it applies.</summary>
    public void Keep(ISchema schema, GraphQLDocument document)
    {
        foreach (var definition in document.Definitions)
        {
            if (definition is GraphQLOperationDefinition operation && KeptOperation.TryCreate(schema, document, operation) is { } kept)
            {
                _kept.AddOrUpdate(operation, kept);
            }
        }
    }

    /// <summary>Whether validating this operation without rules takes the shortcut.</summary>
    internal bool IsKept(GraphQLOperationDefinition operation) => _kept.TryGetValue(operation, out _);

    public Task<IValidationResult> ValidateAsync(in ValidationOptions options)
    {
        if (options.Rules is { } rules && !rules.Any()
            && options.Operation is { } operation
            && _kept.TryGetValue(operation, out var kept)
            && ReferenceEquals(kept.Schema, options.Schema)
            && ReferenceEquals(kept.Document, options.Document))
        {
            return kept.ValidateAsync(options);
        }

        return _validator.ValidateAsync(options);
    }

    private sealed class KeptOperation(
        ISchema schema,
        GraphQLDocument document,
        GraphQLOperationDefinition variablesOnly,
        (GraphQLField Field, FieldType Definition)[] fieldsWithArguments)
    {
        public ISchema Schema => schema;

        public GraphQLDocument Document => document;

        public static KeptOperation? TryCreate(ISchema schema, GraphQLDocument document, GraphQLOperationDefinition operation)
        {
            var root = GraphQLOperationSyntax.RootType(schema, operation);
            if (root is null || HasDirectives(document))
            {
                return null;
            }

            var walk = new ArgumentsWalk(schema, document, operation);
            if (!walk.Visit(operation.SelectionSet, root))
            {
                return null;
            }

            // The operation's variables without its selections: graphql-dotnet coerces them the same
            // way, and finds no usage to walk to (none would change the coercion: see ArgumentsWalk).
            var variablesOnly = new GraphQLOperationDefinition(new GraphQLSelectionSet([]))
            {
                Operation = operation.Operation,
                Name = operation.Name,
                Variables = operation.Variables,
            };
            return new KeptOperation(schema, document, variablesOnly, [.. walk.FieldsWithArguments]);
        }

        public async Task<IValidationResult> ValidateAsync(ValidationOptions options)
        {
            var context = new ValidationContext
            {
                TypeInfo = new TypeInfo(options.Schema),
                Schema = options.Schema,
                Document = options.Document,
                UserContext = options.UserContext,
                Variables = options.Variables,
                Extensions = options.Extensions,
                Operation = variablesOnly,
                Metrics = options.Metrics,
                RequestServices = options.RequestServices,
                User = options.User,
                CancellationToken = options.CancellationToken,
            };
            var (variables, variableErrors) = await context.GetVariablesValuesAsync().ConfigureAwait(false);
            if (variableErrors is { Count: > 0 })
            {
                return new ValidationResult(variableErrors) { Variables = variables };
            }

            List<ValidationError>? errors = null;
            Dictionary<GraphQLField, IDictionary<string, ArgumentValue>>? argumentValues = null;
            foreach (var (field, definition) in fieldsWithArguments)
            {
                try
                {
                    var values = ExecutionHelper.GetArguments(definition.Arguments, field.Arguments, variables, Document, field, null);
                    if (values is not null)
                    {
                        (argumentValues ??= []).Add(field, values);
                    }
                }
                catch (ValidationError error)
                {
                    (errors ??= []).Add(error);
                }
            }

            return new ValidationResult(errors ?? []) { Variables = variables, ArgumentValues = argumentValues };
        }

        private static bool HasDirectives(GraphQLDocument document)
        {
            foreach (var definition in document.Definitions)
            {
                switch (definition)
                {
                    case GraphQLOperationDefinition operation:
                        if (Any(operation.Directives) || (operation.Variables?.Items.Any(v => Any(v.Directives)) ?? false) || HasDirectives(operation.SelectionSet)) return true;
                        break;
                    case GraphQLFragmentDefinition fragment:
                        if (Any(fragment.Directives) || HasDirectives(fragment.SelectionSet)) return true;
                        break;
                }
            }

            return false;

            static bool Any(GraphQLDirectives? directives) => directives is { Items.Count: > 0 };

            static bool HasDirectives(GraphQLSelectionSet? selections) => selections?.Selections.Any(selection => selection switch
            {
                GraphQLField field => Any(field.Directives) || HasDirectives(field.SelectionSet),
                GraphQLInlineFragment inline => Any(inline.Directives) || HasDirectives(inline.SelectionSet),
                GraphQLFragmentSpread spread => Any(spread.Directives),
                _ => true,
            }) ?? false;
        }
    }

    /// <summary>
    /// The fields whose arguments graphql-dotnet reads, found the way it finds them: the selected
    /// operation, each fragment from its first spread, a field's type from its parent's type (an
    /// unknown field and what is under it skipped), a union keeping its parent's type. Refuses
    /// (returns false) a variable inside a list or object value, and a nullable variable passed to a
    /// non-null argument, whose coercion depends on where they are used.
    /// </summary>
    private sealed class ArgumentsWalk(ISchema schema, GraphQLDocument document, GraphQLOperationDefinition operation)
    {
        private readonly HashSet<string> _visitedFragments = [];

        public List<(GraphQLField, FieldType)> FieldsWithArguments { get; } = [];

        public bool Visit(GraphQLSelectionSet? selections, IComplexGraphType? type)
        {
            foreach (var selection in selections?.Selections ?? [])
            {
                var covered = selection switch
                {
                    GraphQLField field => VisitField(field, type),
                    GraphQLInlineFragment inline => inline.TypeCondition is { } condition
                        ? VisitNarrowed(inline.SelectionSet, condition, type)
                        : Visit(inline.SelectionSet, type),
                    GraphQLFragmentSpread spread => VisitSpread(spread, type),
                    _ => false,
                };
                if (!covered)
                {
                    return false;
                }
            }

            return true;
        }

        private bool VisitField(GraphQLField field, IComplexGraphType? type)
        {
            var name = field.Name.Value;
            var definition = name == schema.TypeMetaFieldType.Name ? schema.TypeMetaFieldType
                : name == schema.TypeNameMetaFieldType.Name ? schema.TypeNameMetaFieldType
                : name == schema.SchemaMetaFieldType.Name ? schema.SchemaMetaFieldType
                : type?.Fields.Find(name);
            if (definition is null)
            {
                return true;
            }

            if (field.Arguments is { Items.Count: > 0 } arguments)
            {
                foreach (var argument in arguments.Items)
                {
                    if (!CoercedAlike(argument, definition))
                    {
                        return false;
                    }
                }

                FieldsWithArguments.Add((field, definition));
            }

            return definition.ResolvedType?.GetNamedType() switch
            {
                IComplexGraphType complex => Visit(field.SelectionSet, complex),
                UnionGraphType => Visit(field.SelectionSet, type),
                _ => true,
            };
        }

        private bool VisitSpread(GraphQLFragmentSpread spread, IComplexGraphType? type)
        {
            if (!_visitedFragments.Add(spread.FragmentName.Name.StringValue)
                || document.FindFragmentDefinition(spread.FragmentName.Name.Value) is not { } fragment)
            {
                return true;
            }

            return VisitNarrowed(fragment.SelectionSet, fragment.TypeCondition, type);
        }

        private bool VisitNarrowed(GraphQLSelectionSet selections, GraphQLTypeCondition condition, IComplexGraphType? type) =>
            schema.AllTypes[condition.Type.Name.StringValue]?.GetNamedType() switch
            {
                IComplexGraphType complex => Visit(selections, complex),
                IAbstractGraphType => Visit(selections, type),
                _ => true,
            };

        /// <summary>A literal, or a variable passed as the whole value where its declared nullability is enough.</summary>
        private bool CoercedAlike(GraphQLArgument argument, FieldType definition) => argument.Value switch
        {
            GraphQLVariable variable => definition.Arguments?.Find(argument.Name.Value) is { } declaredArgument
                && operation.Variables?.Items.FirstOrDefault(v => v.Variable.Name.Value == variable.Name.Value) is { } declaredVariable
                && (declaredVariable.Type is GraphQLNonNullType || declaredArgument.ResolvedType is not NonNullGraphType),
            _ => !GraphQLOperationSyntax.HasVariable(argument.Value),
        };
    }
}
