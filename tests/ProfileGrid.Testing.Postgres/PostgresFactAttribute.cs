namespace ProfileGrid.Testing.Postgres;

/// <summary>
/// A fact that needs PostgreSQL: skipped with the reason when none is available, except under
/// <c>CI=true</c>, where it runs and fails (see <see cref="PostgresTestEnvironment"/>).
/// </summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (PostgresTestEnvironment.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>The <see cref="PostgresFactAttribute"/> counterpart for theories.</summary>
public sealed class PostgresTheoryAttribute : TheoryAttribute
{
    public PostgresTheoryAttribute()
    {
        if (PostgresTestEnvironment.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
