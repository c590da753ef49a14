using System.Globalization;
using GraphQL.Validation;
using GraphQL.Validation.Complexity;
using GraphQL.Validation.Rules.Custom;

namespace ProfileGrid.GraphQL.Transport;

/// <summary>
/// Depth and complexity limits as a validation rule. graphql-dotnet computes both figures; this
/// rule only replaces its error with one that names the figure, the limit and the configuration
/// key, so a caller knows which knob refused the request.
/// </summary>
internal sealed class GraphQLRequestLimitsRule : ComplexityValidationRule
{
    private readonly int _maxDepth;
    private readonly int _maxComplexity;

    public GraphQLRequestLimitsRule(int maxDepth, int maxComplexity)
        : base(new ComplexityOptions { MaxDepth = maxDepth, MaxComplexity = maxComplexity })
    {
        _maxDepth = maxDepth;
        _maxComplexity = maxComplexity;
    }

    protected override ValueTask ValidateComplexityAsync(ValidationContext context, double totalImpact, int maxDepth)
    {
        var operation = context.Operation;
        if (maxDepth > _maxDepth)
        {
            context.ReportError(new ValidationError(
                context.Document.Source,
                number: null,
                $"query depth {maxDepth} exceeds the limit of {_maxDepth} ({GraphQLTransportOptions.SectionName}:{nameof(GraphQLTransportOptions.MaxDepth)})",
                operation)
            {
                Code = GraphQLTransportErrorCodes.MaxDepthExceeded,
            });
        }

        if (totalImpact > _maxComplexity)
        {
            var complexity = Math.Ceiling(totalImpact).ToString("0", CultureInfo.InvariantCulture);
            context.ReportError(new ValidationError(
                context.Document.Source,
                number: null,
                $"query complexity {complexity} exceeds the limit of {_maxComplexity} ({GraphQLTransportOptions.SectionName}:{nameof(GraphQLTransportOptions.MaxComplexity)})",
                operation)
            {
                Code = GraphQLTransportErrorCodes.MaxComplexityExceeded,
            });
        }

        return ValueTask.CompletedTask;
    }
}
