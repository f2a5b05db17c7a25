namespace UPanel.Panel.Api;

/// <summary>Endpoint metadata naming a query parameter a request delegate reads itself, for the OpenAPI document.</summary>
internal sealed record QueryParameter(string Name, bool IsInteger, string Description);
