using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using ProfileGrid.Hosting;

namespace ProfileGrid.Segments;

[GenerateSerializer]
public sealed class SegmentRegistryState
{
    [Id(0)] public Dictionary<string, SegmentDefinition> Segments { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Catalogue version: increases with every definition and deletion.</summary>
    [Id(1)] public long Version { get; set; }
    [Id(2)] public Dictionary<string, SegmentEvaluation> Evaluations { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// Holds every segment definition. A definition is compiled and checked against the whole catalogue
/// (<see cref="SegmentCatalog"/>: unknown references, cycles) before anything is stored; a refused one changes
/// nothing. Evaluation progress is kept in memory while it runs and stored when it completes.
/// </summary>
public sealed class SegmentRegistryGrain(
    [PersistentState("segments", ProfileGridStorage.Name)] IPersistentState<SegmentRegistryState> state,
    IOptions<SegmentOptions> options,
    TimeProvider time,
    ILogger<SegmentRegistryGrain> logger) : Grain, ISegmentRegistryGrain
{
    public const string ExpressionField = "expression";
    private static readonly Meter Meter = new("ProfileGrid.Segments");
    private static readonly Counter<long> RefusedCounter = Meter.CreateCounter<long>(
        "profilegrid.segments.definitions_refused", description: "Segment definitions refused, tagged with the rule (limits included).");
    private SegmentCatalog _catalog = SegmentCatalog.Empty;

    private SegmentRegistryState S => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var unlimited = new SegmentCompileOptions { MaxExpressionLength = int.MaxValue };
        _catalog = SegmentCatalog.Create(S.Segments.Values.Select(d =>
            new KeyValuePair<string, CompiledSegment>(d.Id, SegmentCompiler.Compile(d.Expression, unlimited))));
        // A walk that a restart interrupted starts again (profiles already up to date answer at once).
        foreach (var (id, evaluation) in S.Evaluations)
            if (evaluation.Status != SegmentEvaluationStatus.Completed && S.Segments.TryGetValue(id, out var definition))
                GrainFactory.GetGrain<ISegmentEvaluationGrain>(id).Start(definition.Revision).Ignore();
        return Task.CompletedTask;
    }

    public async Task<SegmentChangeResult> Define(string? id, string name, string expression)
    {
        var limits = options.Value;
        var problems = new List<SegmentProblem>();
        if (id is not null && (string.IsNullOrWhiteSpace(id) || id.Length > 200 || id.Contains('/')))
            problems.Add(new SegmentProblem("id", "segment id", $"found '{id}', expected 1 to 200 characters without '/'"));
        if (string.IsNullOrWhiteSpace(name))
            problems.Add(new SegmentProblem("name", "required", "found an empty name, expected the segment's name"));
        id ??= Guid.CreateVersion7().ToString("N");
        if (!S.Segments.ContainsKey(id) && S.Segments.Count >= limits.MaxSegments)
            problems.Add(new SegmentProblem("id", "ProfileGrid:Segments:MaxSegments",
                $"found {S.Segments.Count} segments already defined, expected at most {limits.MaxSegments} (the limit is ProfileGrid:Segments:MaxSegments); delete one or raise the limit"));
        if (expression.Length > limits.MaxExpressionLength)
        {
            problems.Add(new SegmentProblem(ExpressionField, "ProfileGrid:Segments:MaxExpressionLength",
                $"found an expression of {expression.Length} characters, expected at most {limits.MaxExpressionLength} (the limit is ProfileGrid:Segments:MaxExpressionLength)"));
        }
        else if (!SegmentCompiler.TryCompile(expression, out var compiled, out var errors, new SegmentCompileOptions { MaxExpressionLength = limits.MaxExpressionLength }))
        {
            problems.AddRange(errors.Select(e => new SegmentProblem(ExpressionField, "segment language", e.Message, e.Line, e.Column)));
        }
        else if (problems.Count == 0)
        {
            try
            {
                var catalog = _catalog.With(id, compiled);
                var definition = new SegmentDefinition(id, name.Trim(), expression, S.Version + 1, time.GetUtcNow());
                var evaluation = new SegmentEvaluation(SegmentEvaluationStatus.Pending, 0, 0);
                S.Segments[id] = definition;
                S.Evaluations[id] = evaluation;
                S.Version++;
                await state.WriteStateAsync();
                _catalog = catalog;
                logger.LogInformation("Segment {Segment} defined at catalogue version {Version}", id, S.Version);
                GrainFactory.GetGrain<ISegmentEvaluationGrain>(id).Start(definition.Revision).Ignore();
                return new SegmentChangeResult(new SegmentInfo(definition, evaluation), []);
            }
            catch (SegmentDefinitionException e)
            {
                problems.AddRange(e.Errors.Select(ReferenceProblem));
            }
        }
        foreach (var problem in problems) RefusedCounter.Add(1, new KeyValuePair<string, object?>("rule", problem.Rule));
        logger.LogInformation("Segment definition {Segment} refused: {Problems}", id, string.Join("; ", problems.Select(p => $"{p.Field} ({p.Rule}): {p.Message}")));
        return new SegmentChangeResult(null, [.. problems]);
    }

    public async Task<SegmentChangeResult> Delete(string id)
    {
        if (!S.Segments.TryGetValue(id, out var definition))
            return new SegmentChangeResult(null, [new SegmentProblem("id", "unknown segment", $"found '{id}', expected the id of a defined segment")]);
        SegmentCatalog catalog;
        try
        {
            catalog = _catalog.Without(id);
        }
        catch (SegmentDefinitionException e)
        {
            var users = e.Errors.Select(x => x.SegmentId).OfType<string>().Distinct().Order(StringComparer.Ordinal);
            return new SegmentChangeResult(null, [new SegmentProblem("id", "inSegment reference",
                $"found segment(s) {string.Join(", ", users)} referencing '{id}' with inSegment, expected no segment to reference it; change them first")]);
        }
        S.Segments.Remove(id);
        S.Evaluations.Remove(id);
        S.Version++;
        await state.WriteStateAsync();
        _catalog = catalog;
        await Task.WhenAll(Enumerable.Range(0, options.Value.AudienceShards)
            .Select(shard => GrainFactory.AudienceShard(shard).Clear(id)));
        logger.LogInformation("Segment {Segment} deleted at catalogue version {Version}", id, S.Version);
        return new SegmentChangeResult(new SegmentInfo(definition, new SegmentEvaluation(SegmentEvaluationStatus.Completed, 0, 0)), []);
    }

    public Task<SegmentInfo?> Get(string id) =>
        Task.FromResult(S.Segments.TryGetValue(id, out var definition) ? Info(definition) : null);

    public Task<ImmutableArray<SegmentInfo>> List() =>
        Task.FromResult(S.Segments.Values.OrderBy(d => d.Id, StringComparer.Ordinal).Select(Info).ToImmutableArray());

    public Task<SegmentCatalogSnapshot?> GetCatalog(long knownVersion) =>
        Task.FromResult(knownVersion >= S.Version && knownVersion >= 0
            ? null
            : new SegmentCatalogSnapshot(S.Version, [.. S.Segments.Values.OrderBy(d => d.Id, StringComparer.Ordinal)]));

    public async Task ReportEvaluation(string id, long revision, SegmentEvaluation evaluation)
    {
        if (!S.Segments.TryGetValue(id, out var definition) || definition.Revision != revision) return;
        S.Evaluations[id] = evaluation;
        if (evaluation.Status == SegmentEvaluationStatus.Completed) await state.WriteStateAsync();
    }

    private SegmentInfo Info(SegmentDefinition definition) =>
        new(definition, S.Evaluations.GetValueOrDefault(definition.Id) ?? new SegmentEvaluation(SegmentEvaluationStatus.Completed, 0, 0));

    private static SegmentProblem ReferenceProblem(SegmentError error) =>
        new(ExpressionField, error.Message.Contains("cycle", StringComparison.Ordinal) ? "inSegment cycle" : "inSegment reference",
            error.Message, error.Line, error.Column);
}
