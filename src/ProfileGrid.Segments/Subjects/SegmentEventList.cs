namespace ProfileGrid.Segments;

/// <summary>
/// Adapts a caller's own event list to <see cref="ISegmentSubject.Events"/> without copying it: each element is
/// projected into a <see cref="SegmentEvent"/> when the evaluator reads it.
/// </summary>
public static class SegmentEventList
{
    /// <summary>
    /// Wraps <paramref name="source"/>; <paramref name="projection"/> must be cheap and must not allocate, since it
    /// runs for every event the evaluator looks at.
    /// </summary>
    public static IReadOnlyList<SegmentEvent> Project<TSource>(IReadOnlyList<TSource> source, Func<TSource, SegmentEvent> projection)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(projection);
        return new ProjectedList<TSource>(source, projection);
    }

    private sealed class ProjectedList<TSource>(IReadOnlyList<TSource> source, Func<TSource, SegmentEvent> projection)
        : IReadOnlyList<SegmentEvent>
    {
        public SegmentEvent this[int index] => projection(source[index]);

        public int Count => source.Count;

        public IEnumerator<SegmentEvent> GetEnumerator()
        {
            for (var i = 0; i < source.Count; i++)
            {
                yield return projection(source[i]);
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
