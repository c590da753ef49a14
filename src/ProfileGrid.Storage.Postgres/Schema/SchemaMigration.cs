using System.Security.Cryptography;
using System.Text;

namespace ProfileGrid.Storage.Postgres.Schema;

/// <summary>
/// One numbered script from <c>schema/postgres</c>, as embedded in this assembly.
/// </summary>
/// <param name="Version">The number the file name starts with; scripts run in ascending order.</param>
/// <param name="Name">The file name without number and extension, e.g. <c>orleans_clustering</c>.</param>
/// <param name="Sql">The script text.</param>
public sealed record SchemaMigration(int Version, string Name, string Sql)
{
    /// <summary>
    /// SHA-256 of the script with line endings normalised, so that a checkout with CRLF line
    /// endings does not look like an edited migration.
    /// </summary>
    public string Checksum { get; } = ComputeChecksum(Sql);

    internal static string ComputeChecksum(string sql)
    {
        var normalised = sql.Replace("\r\n", "\n", StringComparison.Ordinal);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normalised)));
    }
}
