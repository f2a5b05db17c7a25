namespace UPanel.Panel.Tests.Infrastructure;

/// <summary>One bad request body and the 4xx it must get.</summary>
internal sealed record MalformedCase(string Name, byte[] Body, int ExpectedStatus, string? ContentType = "application/json", string? ContentEncoding = null)
{
    /// <summary>When set, the error's <c>field</c> must start with this path (e.g. "metrics.load_average" for "metrics.load_average[1]").</summary>
    public string? ExpectedField { get; init; }

    public override string ToString() => Name;
}
