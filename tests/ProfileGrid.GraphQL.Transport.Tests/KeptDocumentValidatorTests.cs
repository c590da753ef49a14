using System.Collections;
using System.Globalization;
using System.Text;
using GraphQL;
using GraphQL.Execution;
using GraphQL.Instrumentation;
using GraphQL.SystemTextJson;
using GraphQL.Types;
using GraphQL.Validation;
using GraphQLParser;
using GraphQLParser.AST;
using ProfileGrid.GraphQL.Transport;

namespace ProfileGrid.GraphQL.Transport.Tests;

/// <summary>
/// The kept-document shortcut gives what graphql-dotnet's validator gives: the same variables, argument
/// values and errors, in the same order, for good and bad variables alike.
/// </summary>
public sealed class KeptDocumentValidatorTests
{
    private static readonly ISchema Schema = BuildSchema();
    private static readonly GraphQLSerializer Json = new();

    public static TheoryData<string, string?, string> SameAsGraphQLDotnet => new()
    {
        { "query Q($name: String) { greet(name: $name) }", null, """{"name":"Tove"}""" },
        { "query Q($name: String) { greet(name: $name) }", null, "{}" },
        { "query Q($name: String) { greet(name: $name) }", null, """{"name":null}""" },
        { "query Q($name: String = \"you\") { greet(name: $name) }", null, "{}" },
        { "query Q($id: ID!) { book(id: $id) { name related(first: 2) { name } } }", null, """{"id":"b1"}""" },
        { "query Q($id: ID!) { book(id: $id) { name related(first: 2) { name } } }", null, "{}" },
        { "query Q($id: ID!) { book(id: $id) { name related(first: 2) { name } } }", null, """{"id":null}""" },
        { "query Q($id: ID!) { book(id: $id) { name related(first: 2) { name } } }", null, """{"id":{"a":1}}""" },
        { "query Q($n: Int, $g: Genre) { books(first: $n, genre: $g) { name author { name books(first: 3) { name } } } }", null, """{"n":3,"g":"POETRY"}""" },
        { "query Q($n: Int, $g: Genre) { books(first: $n, genre: $g) { name author { name books(first: 3) { name } } } }", null, """{"n":"many"}""" },
        { "query Q($n: Int, $g: Genre) { books(first: $n, genre: $g) { name author { name books(first: 3) { name } } } }", null, """{"g":"NOVEL"}""" },
        { "query Q($f: Filter) { search(filter: $f) { name } }", null, """{"f":{"title":"a","tags":["x","y"]}}""" },
        { "query Q($f: Filter) { search(filter: $f) { name } }", null, """{"f":{"nope":1}}""" },
        { "query Q($f: Filter) { search(filter: $f) { name } }", null, """{"f":{"tags":"y"}}""" },
        { "query Q($n: Int) { ...F books(first: 1) { ...G } } fragment F on Query { books(first: $n) { ...G } } fragment G on Book { name related(first: $n) { name } }", null, """{"n":4}""" },
        { "query Q($n: Int) { ...F books(first: 1) { ...G } } fragment F on Query { books(first: $n) { ...G } } fragment G on Book { name related(first: $n) { name } }", null, """{"n":true}""" },
        { "query Q($n: Int) { node { name ... on Book { related(first: $n) { name } } } either { ... on Author { books(first: 2) { name } } ... on Book { name } } }", null, """{"n":2}""" },
        { "query Q($t: String!) { __type(name: $t) { name } __typename }", null, """{"t":"Book"}""" },
        { "query Q($t: String!) { __type(name: $t) { name } __typename }", null, "{}" },
        { """{ books(first: 2, genre: PROSE) { name } search(filter: {title: "x", tags: ["a"]}) { name } }""", null, "{}" },
        { "query A($n: Int) { books(first: $n) { name } } query B { greet }", "A", """{"n":7}""" },
        { "query A($n: Int) { books(first: $n) { name } } query B { greet }", "B", """{"n":7}""" },
        { "query Q($n: Int, $unused: Boolean) { books(first: $n) { name } }", null, """{"n":1,"unused":"no"}""" },
    };

    [Theory]
    [MemberData(nameof(SameAsGraphQLDotnet))]
    public async Task A_kept_operation_validates_as_graphql_dotnet_does(string query, string? operationName, string variables)
    {
        var document = Parser.Parse(query);
        var operation = Operation(document, operationName);
        var kept = new KeptDocumentValidator();
        kept.Keep(Schema, document);

        var expected = await Describe(new DocumentValidator(), document, operation, variables);
        var actual = await Describe(kept, document, operation, variables);

        Assert.True(kept.IsKept(operation));
        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData("query Q($big: Boolean!) { greet @include(if: $big) }")]
    [InlineData("query Q @cached { greet }")]
    [InlineData("query Q { ...F } fragment F on Query @skip(if: false) { greet }")]
    [InlineData("query Q($t: String) { search(filter: {title: $t}) { name } }")]
    [InlineData("query Q($t: String) { search(filter: {tags: [$t]}) { name } }")]
    [InlineData("query Q($id: ID) { book(id: $id) { name } }")]
    public void Operations_whose_coercion_depends_on_more_are_left_to_graphql_dotnet(string query)
    {
        var document = Parser.Parse(query);
        var kept = new KeptDocumentValidator();
        kept.Keep(Schema, document);

        Assert.False(kept.IsKept(Operation(document, null)));
    }

    [Fact]
    public async Task Rules_or_another_schema_take_graphql_dotnets_own_path()
    {
        var document = Parser.Parse("query Q($name: String) { greet(name: $name) nope }");
        var operation = Operation(document, null);
        var kept = new KeptDocumentValidator();
        kept.Keep(Schema, document);

        var withRules = await kept.ValidateAsync(Options(document, operation, "{}") with { Rules = DocumentValidator.CoreRules });

        Assert.True(kept.IsKept(operation));
        Assert.False(withRules.IsValid);
        Assert.Contains(withRules.Errors, e => e.Message.Contains("nope", StringComparison.Ordinal));
    }

    private static GraphQLOperationDefinition Operation(GraphQLDocument document, string? name) =>
        document.Definitions.OfType<GraphQLOperationDefinition>().First(o => name is null || o.Name?.StringValue == name);

    private static ValidationOptions Options(GraphQLDocument document, GraphQLOperationDefinition operation, string variables) => new()
    {
        Schema = Schema,
        Document = document,
        Operation = operation,
        Rules = [],
        Variables = Json.Deserialize<Inputs>(variables)!,
        Extensions = Inputs.Empty,
        UserContext = new Dictionary<string, object?>(),
        Metrics = Metrics.None,
    };

    private static async Task<string> Describe(IDocumentValidator validator, GraphQLDocument document, GraphQLOperationDefinition operation, string variables)
    {
        var result = await validator.ValidateAsync(Options(document, operation, variables));
        var text = new StringBuilder();
        text.Append("valid=").Append(result.IsValid).Append('\n');
        foreach (var error in result.Errors)
        {
            text.Append("error ").Append(error.Code).Append(' ').Append(error.Message)
                .Append(string.Join("", error.Locations?.Select(l => $" @{l.Line}:{l.Column}") ?? [])).Append('\n');
        }

        foreach (var variable in result.Variables ?? Variables.None)
        {
            text.Append("var ").Append(variable.Name).Append('=').Append(Format(variable.Value))
                .Append(" specified=").Append(variable.ValueSpecified).Append(" default=").Append(variable.IsDefault).Append('\n');
        }

        foreach (var (field, arguments) in ((IEnumerable<KeyValuePair<GraphQLField, IDictionary<string, ArgumentValue>>>?)result.ArgumentValues ?? []).OrderBy(a => a.Key.Location.Start))
        {
            foreach (var (name, value) in arguments.OrderBy(a => a.Key, StringComparer.Ordinal))
            {
                text.Append("arg ").Append(field.Name.StringValue).Append('@').Append(field.Location.Start).Append(' ')
                    .Append(name).Append('=').Append(Format(value.Value)).Append(" (").Append(value.Source).Append(")\n");
            }
        }

        text.Append("directives=").Append(result.DirectiveValues?.Count ?? 0);
        return text.ToString();
    }

    private static string Format(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        IDictionary<string, object?> map => "{" + string.Join(",", map.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}:{Format(e.Value)}")) + "}",
        IEnumerable list => "[" + string.Join(",", list.Cast<object?>().Select(Format)) + "]",
        IFormattable formattable => $"{formattable.ToString(null, CultureInfo.InvariantCulture)}:{value.GetType().Name}",
        _ => $"{value}:{value.GetType().Name}",
    };

    private enum Genre
    {
        Poetry,
        Prose,
    }

    private static Schema BuildSchema()
    {
        var named = new InterfaceGraphType { Name = "Named" };
        named.Field<StringGraphType>("name");
        var book = new ObjectGraphType { Name = "Book", IsTypeOf = o => o is string s && s.StartsWith('b') };
        var author = new ObjectGraphType { Name = "Author", IsTypeOf = o => o is string s && s.StartsWith('a') };
        book.Field<StringGraphType>("name");
        book.Field("related", new ListGraphType(book)).Argument<IntGraphType>("first");
        book.Field("author", author);
        book.AddResolvedInterface(named);
        author.Field<StringGraphType>("name");
        author.Field("books", new ListGraphType(book)).Argument<NonNullGraphType<IntGraphType>>("first");
        author.AddResolvedInterface(named);
        named.AddPossibleType(book);
        named.AddPossibleType(author);
        var either = new UnionGraphType { Name = "BookOrAuthor" };
        either.AddPossibleType(book);
        either.AddPossibleType(author);
        var filter = new InputObjectGraphType { Name = "Filter" };
        filter.Field<StringGraphType>("title");
        filter.Field<ListGraphType<StringGraphType>>("tags");
        var genre = new EnumerationGraphType<Genre> { Name = "Genre" };

        var query = new ObjectGraphType { Name = "Query" };
        query.Field<StringGraphType>("greet").Argument<StringGraphType>("name", a => a.DefaultValue = "world");
        query.Field("book", book).Argument<NonNullGraphType<IdGraphType>>("id");
        query.Field("books", new ListGraphType(book)).Arguments(new QueryArgument<IntGraphType> { Name = "first" }, new QueryArgument(genre) { Name = "genre" });
        query.Field("search", new ListGraphType(book)).Arguments(new QueryArgument(filter) { Name = "filter" });
        query.Field("node", named);
        query.Field("either", either);
        var schema = new Schema { Query = query };
        schema.RegisterType(author);
        schema.Directives.Register(new Directive("cached", DirectiveLocation.Query));
        schema.Initialize();
        return schema;
    }
}
