using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using ProfileGrid.Hosting;
using ProfileGrid.Storage;
using ProfileGrid.Testing.Postgres;
using ProfileGrid.Testing.Storage;

namespace ProfileGrid.Cluster.Tests.Storage;

/// <summary>
/// A new person's profile is created without asking storage for it (its id was minted a moment before); a person
/// who exists is read back as always. The silo here counts the reads its grain storage is asked for.
/// </summary>
public sealed class NewGrainTests : IAsyncLifetime
{
    private IHost _host = null!;
    private CountingGrainStorage _storage = null!;
    private IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    public async Task InitializeAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        var serviceId = $"new-grain-{Guid.NewGuid():N}";
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(LoopbackPorts.Next(), LoopbackPorts.Next(), serviceId: serviceId, clusterId: serviceId);
            // Registered first, so the grid's own in-process storage is not added.
            silo.Services.AddKeyedSingleton<IGrainStorage>(ProfileGridStorage.Name, (sp, _) => _storage = new CountingGrainStorage(
                new InProcessGrainStorage(sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId, sp.GetRequiredService<Serializer>())));
            silo.AddProfileGrid(builder.Configuration);
        });
        _host = builder.Build();
        await _host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    [Fact]
    public async Task A_new_person_s_profile_is_not_read_and_a_known_one_woken_from_storage_is()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var email = ("email", $"new-{run}@example.com");

        await Grains.IngestAccepted(Grid.Event("web.pageView", email, ("ecid", $"device-{run}")));
        var created = await Grains.Lookup(email.Item1, email.Item2);
        Assert.NotNull(created);
        Assert.Equal(0, _storage.Reads("profile", created.Id));
        Assert.Equal(1, _storage.Writes("profile", created.Id));
        Assert.Equal(1, _storage.Reads("identity", $"email:new-{run}@example.com"));

        await Until(async () =>
        {
            await Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
            return await ActiveProfiles() == 0;
        });
        await Grains.IngestAccepted(Grid.Event("commerce.purchase", email));

        var after = await Grains.Lookup(email.Item1, email.Item2);
        Assert.NotNull(after);
        Assert.Equal(created.Id, after.Id);
        Assert.Equal(1, _storage.Reads("profile", created.Id));
        Assert.Equal(["web.pageView", "commerce.purchase"], after.Events.Select(e => e.Type).Reverse());
    }

    [Fact]
    public async Task Traits_set_on_a_new_identity_create_the_profile_without_reading_it()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var ingest = Grains.GetGrain<IIngestGrain>(0);

        var profileId = await ingest.SetTraits(new IdentityKey("crmId", $"CRM-{run}"), """{"tier":"plus"}""", DateTimeOffset.UtcNow);

        Assert.Equal(0, _storage.Reads("profile", profileId));
        var view = await Grains.ById(profileId);
        Assert.NotNull(view);
        Assert.Contains("plus", view.TraitsJson, StringComparison.Ordinal);
    }

    private async Task<int> ActiveProfiles()
    {
        var statistics = await Grains.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
        return statistics.Where(s => s.GrainType.Contains("ProfileGrain", StringComparison.Ordinal)).Sum(s => s.ActivationCount);
    }

    private static async Task Until(Func<Task<bool>> condition)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if (await condition()) return;
            await Task.Delay(100);
        }
        Assert.Fail("the condition did not hold within 10 s");
    }
}
