namespace ProfileGrid.Durability.Tests;

/// <summary>Polling for what the grid does by itself (a timer, a reminder, a silo declared dead), with a deadline.</summary>
public static class Waiting
{
    /// <summary>
    /// Until <paramref name="condition"/> holds. A probe that throws (a call to a silo not yet declared dead, say)
    /// counts as "not yet"; at the deadline the last failure, or a timeout naming <paramref name="what"/>, is thrown.
    /// </summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                if (await condition()) return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{what}: not within {timeout.TotalSeconds:0} s");
            await Task.Delay(100);
        }
    }
}
