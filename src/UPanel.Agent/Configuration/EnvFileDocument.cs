namespace UPanel.Agent.Configuration;

/// <summary>A parsed env file: every line kept (so a rewrite preserves what it does not change) plus the bad ones.</summary>
internal sealed record EnvFileDocument(IReadOnlyList<EnvFileLine> Lines, IReadOnlyList<EnvFileError> Errors)
{
    /// <summary>Key to value; a key set twice takes its last value, as a shell would.</summary>
    public IReadOnlyDictionary<string, string> ToDictionary()
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in Lines)
        {
            if (line.Key is not null)
            {
                values[line.Key] = line.Value!;
            }
        }

        return values;
    }
}
