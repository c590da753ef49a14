using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Statistics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ProfileGrid.Testing.Postgres;
using ProfileGrid.Hosting;

namespace ProfileGrid.Cluster.Tests.Hosting;

/// <summary>
/// <c>ProfileGrid:Memory:*</c>: above the limit a silo deactivates the grains it used least recently until it is
/// under the target, and nobody loses anything (a shed profile comes back from storage with all its events).
/// The silo's memory reading is a fake the test sets.
/// </summary>
public sealed class MemorySheddingTests
{
    [Fact]
    public void Shedding_is_on_by_default_above_80_percent_down_to_75_as_in_Orleans()
    {
        var settings = ProfileGridMemorySettings.FromConfiguration(TestConfiguration.Of());
        var options = new GrainCollectionOptions();

        settings.Apply(options);

        Assert.True(options.EnableActivationSheddingOnMemoryPressure);
        Assert.Equal(80, options.MemoryUsageLimitPercentage);
        Assert.Equal(75, options.MemoryUsageTargetPercentage);
        Assert.Equal(TimeSpan.FromMinutes(2), options.ClassSpecificCollectionAge["ProfileGrid.Identity.IdentityGrain"]);
        Assert.Equal(TimeSpan.FromMinutes(15), options.ClassSpecificCollectionAge["ProfileGrid.Profiles.ProfileGrain"]);
        Assert.Equal(TimeSpan.FromMinutes(15), options.CollectionAge);
    }

    [Fact]
    public void Zero_turns_shedding_off_and_a_limit_alone_sheds_to_5_points_below_it()
    {
        var off = new GrainCollectionOptions();
        ProfileGridMemorySettings.FromConfiguration(TestConfiguration.Of((ProfileGridMemorySettings.ShedAbovePercentKey, "0"))).Apply(off);
        var low = ProfileGridMemorySettings.FromConfiguration(TestConfiguration.Of((ProfileGridMemorySettings.ShedAbovePercentKey, "60")));

        Assert.False(off.EnableActivationSheddingOnMemoryPressure);
        Assert.Equal((60d, 55d), (low.ShedAbovePercent, low.ShedToPercent));
    }

    [Theory]
    [InlineData(ProfileGridMemorySettings.ShedAbovePercentKey, "most", "ProfileGrid:Memory:ShedAbovePercent is 'most'; it must be a percentage from 0 to 100")]
    [InlineData(ProfileGridMemorySettings.ShedAbovePercentKey, "101", "ProfileGrid:Memory:ShedAbovePercent is '101'; it must be a percentage from 0 to 100")]
    [InlineData(ProfileGridMemorySettings.ShedToPercentKey, "-1", "ProfileGrid:Memory:ShedToPercent is '-1'; it must be a percentage from 0 to 100")]
    [InlineData(ProfileGridMemorySettings.ShedToPercentKey, "90", "ProfileGrid:Memory:ShedToPercent (90) must be above 0 and below ProfileGrid:Memory:ShedAbovePercent (80)")]
    [InlineData(ProfileGridMemorySettings.IdentityCollectionAgeKey, "soon", "ProfileGrid:Memory:IdentityCollectionAge is 'soon'; it must be a time span")]
    [InlineData(ProfileGridMemorySettings.IdentityCollectionAgeKey, "-00:05:00", "ProfileGrid:Memory:IdentityCollectionAge is '-00:05:00'; it must be a time span")]
    [InlineData(ProfileGridMemorySettings.ProfileCollectionAgeKey, "2 days", "ProfileGrid:Memory:ProfileCollectionAge is '2 days'; it must be a time span")]
    [InlineData(ProfileGridMemorySettings.ProfileCollectionAgeKey, "2.00:00:00", "ProfileGrid:Memory:ProfileCollectionAge is '2.00:00:00'; it must be a time span")]
    [InlineData(ProfileGridMemorySettings.ShedToPercentKey, "0", "ProfileGrid:Memory:ShedToPercent (0) must be above 0 and below ProfileGrid:Memory:ShedAbovePercent (80)")]
    public void A_bad_value_is_refused_naming_the_key_and_the_rule(string key, string value, string message)
    {
        var error = Assert.Throws<OptionsValidationException>(() => ProfileGridMemorySettings.FromConfiguration(TestConfiguration.Of((key, value))));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ProfileGridMemorySettings.ProfileCollectionAgeKey, "00:01:00", "00:01:00")]
    [InlineData(ProfileGridMemorySettings.IdentityCollectionAgeKey, "00:00:30", "00:01:00")]
    [InlineData(ProfileGridMemorySettings.IdentityCollectionAgeKey, "00:05:00", "00:10:00")]
    public void An_age_not_above_the_collection_quantum_is_refused_naming_the_key(string key, string age, string quantum)
    {
        var error = Assert.Throws<OptionsValidationException>(() => CollectionOptions(TestConfiguration.Of((key, age)), TimeSpan.Parse(quantum)));

        Assert.Equal($"{key} is {age}; it must be more than Orleans' collection quantum ({quantum}).", error.Message);
    }

    [Fact]
    public void An_age_above_a_shortened_quantum_is_taken()
    {
        var options = CollectionOptions(TestConfiguration.Of((ProfileGridMemorySettings.ProfileCollectionAgeKey, "00:00:03")), TimeSpan.FromSeconds(1));

        Assert.Equal(TimeSpan.FromSeconds(3), options.ClassSpecificCollectionAge["ProfileGrid.Profiles.ProfileGrain"]);
    }

    [Fact]
    public async Task A_silo_refuses_an_age_at_the_quantum_naming_the_key()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleans(silo => silo.UseLocalhostClustering()
            .AddProfileGrid(TestConfiguration.Of((ProfileGridMemorySettings.ProfileCollectionAgeKey, "00:01:00"))));
        await using var host = (IAsyncDisposable)builder.Build();

        var error = Assert.Throws<OptionsValidationException>(() => ((IHost)host).Services.GetRequiredService<IOptions<GrainCollectionOptions>>().Value);

        Assert.Equal("ProfileGrid:Memory:ProfileCollectionAge is 00:01:00; it must be more than Orleans' collection quantum (00:01:00).", error.Message);
    }

    /// <summary>The collection options as a silo resolves them: ours applied, then a quantum set elsewhere, then validated.</summary>
    private static GrainCollectionOptions CollectionOptions(IConfiguration configuration, TimeSpan quantum)
    {
        var settings = ProfileGridMemorySettings.FromConfiguration(configuration);
        var services = new ServiceCollection();
        services.Configure<GrainCollectionOptions>(settings.Apply);
        services.Configure<GrainCollectionOptions>(o => o.CollectionQuantum = quantum);
        services.AddSingleton<IValidateOptions<GrainCollectionOptions>>(new ProfileGridMemorySettings.Validation(settings));
        return services.BuildServiceProvider().GetRequiredService<IOptions<GrainCollectionOptions>>().Value;
    }

    [Fact]
    public async Task Above_the_limit_profiles_are_shed_and_come_back_from_storage_with_everything()
    {
        await using var silo = await ShedderSilo.Start();
        var grains = silo.Grains;
        var run = Guid.NewGuid().ToString("N")[..8];
        const int people = 200;
        for (var p = 0; p < people; p++)
            await grains.IngestAccepted(Grid.Event("web.pageView", ("crmId", $"SHED-{run}-{p}")), Grid.Event("commerce.purchase", ("crmId", $"SHED-{run}-{p}")));
        var before = await ProfileActivations(grains);
        Assert.True(before >= people, $"{before} profiles active after ingestion");

        silo.Memory.UsedPercent = 95;
        var after = before;
        for (var wait = 0; wait < 100 && after > before / 2; wait++)
        {
            // Orleans sheds once per full collection (the silo is in this process): memory pressure would cause them.
            GC.Collect(2);
            await Task.Delay(200);
            after = await ProfileActivations(grains);
        }
        silo.Memory.UsedPercent = 50;

        Assert.True(after <= before / 2, $"still {after} of {before} profiles active after 20 s at 95 % memory");
        for (var p = 0; p < people; p++)
        {
            var profile = await grains.Lookup("crmId", $"SHED-{run}-{p}");
            Assert.NotNull(profile);
            Assert.Equal(2, profile.Events.Length);
        }
    }

    [Fact]
    public async Task With_shedding_off_nothing_is_shed_at_any_memory_use()
    {
        await using var silo = await ShedderSilo.Start(("ProfileGrid:Memory:ShedAbovePercent", "0"));
        var grains = silo.Grains;
        var run = Guid.NewGuid().ToString("N")[..8];
        for (var p = 0; p < 50; p++) await grains.IngestAccepted(Grid.Event("web.pageView", ("crmId", $"KEEP-{run}-{p}")));
        var before = await ProfileActivations(grains);

        silo.Memory.UsedPercent = 99;
        for (var wait = 0; wait < 10; wait++)
        {
            GC.Collect(2);
            await Task.Delay(200);
        }

        Assert.Equal(before, await ProfileActivations(grains));
    }

    [Fact]
    public async Task Identity_grains_leave_memory_after_their_own_collection_age_while_profiles_stay()
    {
        // Orleans collects once per quantum (1 minute normally); here every second, with identities after 3 s.
        await using var silo = await ShedderSilo.Start(TimeSpan.FromSeconds(1), (ProfileGridMemorySettings.IdentityCollectionAgeKey, "00:00:03"));
        var grains = silo.Grains;
        var run = Guid.NewGuid().ToString("N")[..8];
        for (var p = 0; p < 20; p++)
            await grains.IngestAccepted(Grid.Event("web.pageView", ("crmId", $"IDLE-{run}-{p}"), ("email", $"idle.{run}.{p}@example.com")));
        Assert.True(await Activations(grains, "IdentityGrain") >= 40);

        Assert.Equal(0, await ActivationsOnceCollected(grains, "IdentityGrain"));
        Assert.True(await Activations(grains, "ProfileGrain") >= 20);
        for (var p = 0; p < 20; p++) Assert.NotNull(await grains.Lookup("email", $"idle.{run}.{p}@example.com"));
    }

    [Fact]
    public async Task Profiles_leave_memory_after_their_collection_age_and_come_back_from_storage_whole()
    {
        // Orleans collects once per quantum (1 minute normally); here every second, with profiles after 3 s.
        await using var silo = await ShedderSilo.Start(TimeSpan.FromSeconds(1), (ProfileGridMemorySettings.ProfileCollectionAgeKey, "00:00:03"));
        var grains = silo.Grains;
        var run = Guid.NewGuid().ToString("N")[..8];
        for (var p = 0; p < 20; p++)
            await grains.IngestAccepted(Grid.Event("web.pageView", ("crmId", $"AGE-{run}-{p}")), Grid.Event("commerce.purchase", ("crmId", $"AGE-{run}-{p}")));
        Assert.True(await ProfileActivations(grains) >= 20);

        Assert.Equal(0, await ActivationsOnceCollected(grains, "ProfileGrain"));
        for (var p = 0; p < 20; p++)
        {
            var view = await grains.Lookup("crmId", $"AGE-{run}-{p}");
            Assert.NotNull(view);
            Assert.Equal(["commerce.purchase", "web.pageView"], view.Events.Select(e => e.Type).Order());
        }
    }

    private static Task<int> ProfileActivations(IGrainFactory grains) => Activations(grains, "ProfileGrain");

    /// <summary>The activations of <paramref name="grainClass"/> once none is left, or after 10 s.</summary>
    private static async Task<int> ActivationsOnceCollected(IGrainFactory grains, string grainClass)
    {
        var left = await Activations(grains, grainClass);
        for (var wait = 0; wait < 50 && left > 0; wait++)
        {
            await Task.Delay(200);
            left = await Activations(grains, grainClass);
        }
        return left;
    }

    private static async Task<int> Activations(IGrainFactory grains, string grainClass)
    {
        var statistics = await grains.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
        return statistics.Where(s => s.GrainType.Contains(grainClass, StringComparison.Ordinal)).Sum(s => s.ActivationCount);
    }

    /// <summary>
    /// One silo whose memory reading is <see cref="FakeMemory"/> and that looks at it every 100 ms. A plain host, as the
    /// silo runs it: Orleans' test cluster puts its own memory reading in place of any other.
    /// </summary>
    private sealed class ShedderSilo(IHost host, FakeMemory memory) : IAsyncDisposable
    {
        public IGrainFactory Grains => host.Services.GetRequiredService<IGrainFactory>();

        public FakeMemory Memory => memory;

        public static Task<ShedderSilo> Start(params (string Key, string Value)[] settings) => Start(null, settings);

        public static async Task<ShedderSilo> Start(TimeSpan? collectionQuantum, params (string Key, string Value)[] settings)
        {
            var memory = new FakeMemory { UsedPercent = 50 };
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            builder.Configuration.AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)));
            var serviceId = $"shed-{Guid.NewGuid():N}";
            builder.UseOrleans(silo =>
            {
                silo.UseLocalhostClustering(LoopbackPorts.Next(), LoopbackPorts.Next(), serviceId: serviceId, clusterId: serviceId);
                silo.AddProfileGrid(builder.Configuration);
                silo.Services.AddSingleton<IEnvironmentStatisticsProvider>(memory);
                silo.Configure<GrainCollectionOptions>(o =>
                {
                    o.MemoryUsagePollingPeriod = TimeSpan.FromMilliseconds(100);
                    if (collectionQuantum is { } quantum) o.CollectionQuantum = quantum;
                });
            });
            var host = builder.Build();
            await host.StartAsync();
            return new ShedderSilo(host, memory);
        }

        public async ValueTask DisposeAsync()
        {
            await host.StopAsync();
            host.Dispose();
        }
    }

    /// <summary>Reports <see cref="UsedPercent"/> of 8 GiB in use.</summary>
    private sealed class FakeMemory : IEnvironmentStatisticsProvider
    {
        private const long Total = 8L << 30;
        private static readonly ConstructorInfo Create = typeof(EnvironmentStatistics).GetConstructors(BindingFlags.Instance | BindingFlags.NonPublic)
            .Single(c => c.GetParameters().Length == 7);

        public volatile int UsedPercent;

        public EnvironmentStatistics GetEnvironmentStatistics()
        {
            var used = Total / 100 * UsedPercent;
            return (EnvironmentStatistics)Create.Invoke([10f, 10f, used, used, Total - used, Total - used, Total]);
        }
    }
}
