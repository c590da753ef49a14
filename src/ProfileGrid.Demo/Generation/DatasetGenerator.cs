namespace ProfileGrid.Demo.Generation;

internal static class DatasetGenerator
{
    public static DemoDataset Generate(DateTimeOffset now, int people, int seed)
    {
        var timeline = new Timeline(now);
        var traits = new List<DemoTraits>();
        SarahStory.Write(timeline, traits);
        new Crowd(timeline, traits, seed).Generate(people);
        return new DemoDataset(timeline.Build(), traits);
    }
}
