namespace UPanel.Contracts;

/// <summary>Every 4xx from the panel: what was wrong and, where one field is to blame, which.</summary>
public sealed record ErrorResponse
{
    public string Status { get; init; } = "error";

    public required string Error { get; init; }

    public string? Field { get; init; }
}
