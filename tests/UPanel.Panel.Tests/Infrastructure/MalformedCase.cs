namespace UPanel.Panel.Tests.Infrastructure;

/// <summary>One bad request body and the 4xx it must get.</summary>
internal sealed record MalformedCase(string Name, byte[] Body, int ExpectedStatus, string? ContentType = "application/json", string? ContentEncoding = null)
{
    public override string ToString() => Name;
}
