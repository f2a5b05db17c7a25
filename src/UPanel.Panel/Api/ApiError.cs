namespace UPanel.Panel.Api;

/// <summary>A request the panel refuses: the status, what is wrong and, where one field is to blame, which.</summary>
internal sealed record ApiError(int Status, string Message, string? Field = null)
{
    public static ApiError BadField(string field, string message) => new(400, $"{field}: {message}", field);
}
