using Orleans.Runtime;
using ProfileGrid.Hosting;
using ProfileGrid.Segments;

namespace ProfileGrid.Cluster.Tests.Hosting;

/// <summary>The shortcut references for profiles, identities, audiences, directory and event id shards are the ones Orleans builds, and they reach the grains.</summary>
[Collection(ClusterCollection.Name)]
public sealed class GrainReferencesTests(ClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;

    [Fact]
    public async Task Profile_and_identity_references_equal_Orleans_own_and_reach_the_same_grains()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        await _grains.Ingest(Grid.Event("web.login", ("email", $"ref-{run}@example.com")));
        var email = new IdentityKey("email", $"ref-{run}@example.com");

        var identity = _grains.Identity(email);
        var orleansIdentity = _grains.GetGrain<IIdentityGrain>(email.ToString());
        Assert.Equal(orleansIdentity.GetGrainId(), identity.GetGrainId());
        Assert.Equal(((GrainReference)orleansIdentity).InterfaceType, ((GrainReference)identity).InterfaceType);
        var owner = await identity.GetOwner();
        Assert.NotNull(owner);
        Assert.Equal(await orleansIdentity.GetOwner(), owner);

        var profile = _grains.Profile(owner);
        var orleansProfile = _grains.GetGrain<IProfileGrain>(owner);
        Assert.Equal(orleansProfile.GetGrainId(), profile.GetGrainId());
        Assert.Equal(((GrainReference)orleansProfile).InterfaceType, ((GrainReference)profile).InterfaceType);
        var summary = await profile.GetSummary();
        Assert.True(summary.Exists);
        Assert.Equal(owner, summary.ProfileId);
        Assert.NotEqual(_grains.Profile("another").GetGrainId(), profile.GetGrainId());
    }

    [Fact]
    public async Task Audience_shard_references_equal_Orleans_own_and_reach_the_same_shard()
    {
        var segment = $"ref-{Guid.NewGuid():N}";

        var audience = _grains.AudienceShard(3);
        var orleansAudience = _grains.GetGrain<IAudienceShardGrain>(3);
        await audience.Apply([new AudienceChange(segment, "p-1", Entered: true), new AudienceChange(segment, "p-2", Entered: true)]);

        Assert.Equal(orleansAudience.GetGrainId(), audience.GetGrainId());
        Assert.Equal(((GrainReference)orleansAudience).InterfaceType, ((GrainReference)audience).InterfaceType);
        Assert.Equal(2, await orleansAudience.Count(segment));
        Assert.NotEqual(_grains.AudienceShard(4).GetGrainId(), audience.GetGrainId());
    }

    [Fact]
    public async Task Integer_keyed_references_equal_Orleans_own_and_reach_the_same_shard()
    {
        var eventId = $"ref-{Guid.NewGuid():N}";
        var ids = _grains.EventIds(12345);
        var orleansIds = _grains.GetGrain<IEventIdShardGrain>(12345);

        Assert.Equal(orleansIds.GetGrainId(), ids.GetGrainId());
        Assert.Equal(((GrainReference)orleansIds).InterfaceType, ((GrainReference)ids).InterfaceType);
        Assert.Equal(new[] { true }, await ids.TryClaim([eventId]));
        Assert.Equal(new[] { false }, await orleansIds.TryClaim([eventId]));
        Assert.NotEqual(_grains.EventIds(12346).GetGrainId(), ids.GetGrainId());

        var directory = _grains.Directory(7);
        var orleansDirectory = _grains.GetGrain<IProfileDirectoryGrain>(7);
        Assert.Equal(orleansDirectory.GetGrainId(), directory.GetGrainId());
        Assert.Equal(((GrainReference)orleansDirectory).InterfaceType, ((GrainReference)directory).InterfaceType);
        Assert.NotEqual(_grains.Directory(8).GetGrainId(), directory.GetGrainId());
    }
}
