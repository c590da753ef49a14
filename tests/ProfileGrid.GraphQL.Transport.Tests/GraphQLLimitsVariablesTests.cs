using GraphQL;
using GraphQL.Types;
using GraphQLParser;
using ProfileGrid.GraphQL.Transport;

namespace ProfileGrid.GraphQL.Transport.Tests;

/// <summary>Which documents get the same depth and complexity whatever their variables.</summary>
public sealed class GraphQLLimitsVariablesTests
{
    private static readonly ISchema Schema = BuildSchema();

    private static bool CanChange(string query) => GraphQLLimitsVariables.CanChangeTheLimits(Schema, Parser.Parse(query));

    [Theory]
    [InlineData("{ shelf(first: 3) { name } }")]
    [InlineData("query Q($name: String) { greet(name: $name) }")]
    [InlineData("query Q($id: ID) { book(id: $id) { name } }")]
    [InlineData("query Q($id: ID) { book(id: $id) { __typename name } }")]
    [InlineData("query Q($n: Int) { shelf(first: 2) { name } } query R { greet }")]
    [InlineData("query Q($name: String) { ...F } fragment F on Query { greet(name: $name) ...F }")]
    public void Variables_that_no_limit_reads_do_not_count(string query) => Assert.False(CanChange(query));

    [Theory]
    [InlineData("query Q($n: Int) { shelf(first: $n) { name } }")]
    [InlineData("query Q($n: Int) { shelf(last: $n) { name } }")]
    [InlineData("query Q($n: Int) { book(id: \"1\") { related(first: $n) { name } } }")]
    [InlineData("query Q($id: ID) { books(id: $id) { name } }")]
    [InlineData("query Q($n: Int) { ...F } fragment F on Query { shelf(first: $n) { name } }")]
    [InlineData("query Q($n: Int) { ... on Query { shelf(first: $n) { name } } }")]
    [InlineData("query Q($deep: Boolean!) { shelf(first: 2) { name @include(if: $deep) } }")]
    [InlineData("query Q($deep: Boolean!) { ...F @skip(if: $deep) } fragment F on Query { greet }")]
    [InlineData("query Q($deep: Boolean!) { ...F } fragment F on Query @include(if: $deep) { greet }")]
    [InlineData("query Q($w: Int) { weighted(weight: 2) greet }")]
    [InlineData("query Q($name: String) { __schema { types { name } } }")]
    [InlineData("query Q($name: String) { nope }")]
    public void Variables_that_a_limit_may_read_count(string query) => Assert.True(CanChange(query));

    private static Schema BuildSchema()
    {
        var book = new ObjectGraphType { Name = "Book" };
        book.Field<StringGraphType>("name");
        book.Field("related", new ListGraphType(book)).Argument<IntGraphType>("first");
        var query = new ObjectGraphType { Name = "Query" };
        query.Field<StringGraphType>("greet").Argument<StringGraphType>("name");
        query.Field("book", book).Argument<IdGraphType>("id");
        query.Field("books", new ListGraphType(book)).Argument<IdGraphType>("id");
        query.Field("shelf", new NonNullGraphType(new ListGraphType(book))).Argument<IntGraphType>("first").Argument<IntGraphType>("last");
        query.Field<IntGraphType>("weighted").Argument<IntGraphType>("weight")
            .WithComplexityImpact(context => new(context.GetArgument("weight", 1), 1));
        var schema = new Schema { Query = query };
        schema.Initialize();
        return schema;
    }
}
