using ProfileGrid.GraphQL.Scalars;

namespace ProfileGrid.GraphQL.Identity;

public sealed class IdentityType : ObjectGraphType<IdentityKey>
{
    public IdentityType()
    {
        Name = "Identity";
        Description = "One identity of a person: a namespace and its normalised value.";
        Field(x => x.Namespace);
        Field<NonNullGraphType<StringGraphType>>("id").Resolve(c => c.Source.Value);
    }
}

public sealed class IdentityLinkType : ObjectGraphType<IdentityLink>
{
    public IdentityLinkType()
    {
        Name = "IdentityLink";
        Description = "Two identities that arrived together: when, and in which event.";
        Field<NonNullGraphType<IdentityType>>("from").Resolve(c => c.Source.From);
        Field<NonNullGraphType<IdentityType>>("to").Resolve(c => c.Source.To);
        Field<NonNullGraphType<IsoDateTimeGraphType>>("at").Resolve(c => c.Source.At);
        Field<NonNullGraphType<StringGraphType>>("sourceEventId").Resolve(c => c.Source.SourceEventId);
    }
}

public sealed class IdentityInputType : InputObjectGraphType<RawIdentity>
{
    public IdentityInputType()
    {
        Name = "IdentityInput";
        Field<NonNullGraphType<StringGraphType>>("namespace");
        Field<NonNullGraphType<StringGraphType>>("id");
    }

    public override object ParseDictionary(IDictionary<string, object?> value) =>
        new RawIdentity(value.TryGetValue("namespace", out var ns) ? ns as string : null,
            value.TryGetValue("id", out var id) ? id as string : null);
}
