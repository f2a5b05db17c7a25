namespace UPanel.Agent.Http;

/// <summary>A parsed status line and header block, with what they say about the body and the connection.</summary>
internal sealed record HttpResponseHead
{
    public required int StatusCode { get; init; }

    public required IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; }

    public required HttpBodyFraming Framing { get; init; }

    /// <summary>The Content-Length when <see cref="Framing"/> is <see cref="HttpBodyFraming.ContentLength"/>.</summary>
    public long ContentLength { get; init; }

    /// <summary>Whether the server lets the connection carry another request after this response.</summary>
    public required bool KeepAlive { get; init; }

    /// <summary>The first header of that name (case-insensitive), or null.</summary>
    public string? Header(string name)
    {
        foreach (var (key, value) in Headers)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return null;
    }
}
