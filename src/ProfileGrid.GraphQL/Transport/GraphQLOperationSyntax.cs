using GraphQL.Types;
using GraphQLParser.AST;

namespace ProfileGrid.GraphQL.Transport;

/// <summary>Facts about an operation's syntax that both kept-document checks read.</summary>
internal static class GraphQLOperationSyntax
{
    /// <summary>The type an operation's selections start from, or null when the schema has none for it.</summary>
    public static IObjectGraphType? RootType(ISchema schema, GraphQLOperationDefinition operation) => operation.Operation switch
    {
        OperationType.Query => schema.Query,
        OperationType.Mutation => schema.Mutation,
        OperationType.Subscription => schema.Subscription,
        _ => null,
    };

    /// <summary>Whether a value is, or holds (in a list or an object), a variable.</summary>
    public static bool HasVariable(GraphQLValue? value) => value switch
    {
        GraphQLVariable => true,
        GraphQLListValue list => list.Values?.Any(HasVariable) == true,
        GraphQLObjectValue obj => obj.Fields?.Any(f => HasVariable(f.Value)) == true,
        _ => false,
    };

    /// <summary>Whether any of these directives (an <c>@include</c> or <c>@skip</c> condition, say) reads a variable.</summary>
    public static bool DirectivesReadVariables(GraphQLDirectives? directives) =>
        directives?.Items.Any(d => d.Arguments?.Items.Any(a => HasVariable(a.Value)) == true) == true;
}
