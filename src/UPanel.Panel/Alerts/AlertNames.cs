namespace UPanel.Panel.Alerts;

/// <summary>The wire and storage name of each <see cref="AlertKind"/>: <c>server_offline</c>, <c>container_exited</c>, ….</summary>
internal static class AlertNames
{
    private static readonly Dictionary<AlertKind, string> Names = Enum.GetValues<AlertKind>().ToDictionary(k => k, SnakeCase);
    private static readonly Dictionary<string, AlertKind> Kinds = Names.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

    public static string Of(AlertKind kind) => Names[kind];

    public static AlertKind? Parse(string? name) => name is not null && Kinds.TryGetValue(name, out var kind) ? kind : null;

    private static string SnakeCase(AlertKind kind)
    {
        var name = kind.ToString();
        var builder = new System.Text.StringBuilder(name.Length + 4);
        foreach (var c in name)
        {
            if (char.IsUpper(c) && builder.Length > 0)
            {
                builder.Append('_');
            }

            builder.Append(char.ToLowerInvariant(c));
        }

        return builder.ToString();
    }
}
