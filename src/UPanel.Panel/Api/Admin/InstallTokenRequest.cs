namespace UPanel.Panel.Api.Admin;

internal sealed record InstallTokenRequest
{
    /// <summary>Lifetime in seconds; default 24 h, at most 30 days.</summary>
    public long? ExpiresInSeconds { get; init; }
}
