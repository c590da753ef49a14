using GraphQL;
using GraphQL.Types;
using GraphQL.Utilities;
using Microsoft.Extensions.DependencyInjection;
using ProfileGrid.GraphQL;

namespace ProfileGrid.Api.FunctionalTests;

/// <summary><c>schema/profilegrid.graphql</c> is the contract: the served schema must be exactly it.</summary>
public sealed class SchemaContractTests(SiloApiFactory api) : IClassFixture<SiloApiFactory>
{
    [Fact]
    public void Served_schema_equals_the_contract_in_schema_folder()
    {
        var schema = api.Services.GetRequiredService<ProfileGridSchema>();
        schema.Initialize();
        var served = Normalize(schema.Print(new PrintOptions { IncludeDescriptions = true, IncludeDeprecationReasons = true }));
        var path = Path.Combine(RepositoryRoot(), "schema", "profilegrid.graphql");

        // Changing the API is a visible diff: regenerate with PROFILEGRID_UPDATE_SCHEMA=1 and review it.
        if (Environment.GetEnvironmentVariable("PROFILEGRID_UPDATE_SCHEMA") == "1") File.WriteAllText(path, served);
        var contract = Normalize(File.ReadAllText(path));
        Assert.Equal(contract, served);
    }

    [Fact]
    public async Task Contract_file_describes_the_operations_the_issue_promises()
    {
        var contract = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "schema", "profilegrid.graphql"));
        foreach (var expected in new[]
                 {
                     "profile(namespace: String!, id: String!): Profile",
                     "profileById(id: ID!): Profile",
                     "ingestEvents(events: [EventInput!]!): IngestResult!",
                     "unlinkIdentity(namespace: String!, id: String!): Profile",
                 })
            Assert.Contains(expected, contract);
    }

    private static string Normalize(string sdl) => sdl.ReplaceLineEndings("\n").Trim() + "\n";

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ProfileGrid.sln"))) return dir.FullName;
        throw new InvalidOperationException("ProfileGrid.sln not found above " + AppContext.BaseDirectory);
    }
}
