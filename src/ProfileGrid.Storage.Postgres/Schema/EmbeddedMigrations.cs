using System.Globalization;
using System.Reflection;

namespace ProfileGrid.Storage.Postgres.Schema;

/// <summary>
/// Loads the scripts compiled into this assembly from <c>schema/postgres/NNN_name.sql</c>.
/// </summary>
internal static class EmbeddedMigrations
{
    private const string ResourcePrefix = "ProfileGrid.Storage.Postgres.Schema.";

    private static readonly Lazy<IReadOnlyList<SchemaMigration>> All = new(Load);

    public static IReadOnlyList<SchemaMigration> Migrations => All.Value;

    private static IReadOnlyList<SchemaMigration> Load()
    {
        var assembly = typeof(EmbeddedMigrations).Assembly;
        var migrations = new List<SchemaMigration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal)
                || !resource.EndsWith(".sql", StringComparison.Ordinal))
            {
                continue;
            }

            var fileName = resource[ResourcePrefix.Length..^".sql".Length];
            migrations.Add(new SchemaMigration(ParseVersion(fileName), fileName[(fileName.IndexOf('_') + 1)..], Read(assembly, resource)));
        }

        migrations.Sort((left, right) => left.Version.CompareTo(right.Version));
        for (var i = 1; i < migrations.Count; i++)
        {
            if (migrations[i].Version == migrations[i - 1].Version)
            {
                throw new SchemaMigrationException(
                    $"Two schema scripts share version {migrations[i].Version}: '{migrations[i - 1].Name}' and '{migrations[i].Name}'.");
            }
        }

        return migrations;
    }

    private static int ParseVersion(string fileName)
    {
        var separator = fileName.IndexOf('_');
        if (separator <= 0
            || !int.TryParse(fileName.AsSpan(0, separator), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            throw new SchemaMigrationException(
                $"Schema script '{fileName}.sql' must be named NNN_name.sql, NNN being its version number.");
        }

        return version;
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new SchemaMigrationException($"Embedded schema script '{resource}' cannot be opened.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
