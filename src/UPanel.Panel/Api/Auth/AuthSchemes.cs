namespace UPanel.Panel.Api.Auth;

/// <summary>
/// The panel's three ways in, one authentication scheme each, and the policies that groups of endpoints require:
/// a cookie for the pages (signed in with the admin key), the admin key as a bearer token for <c>/api/admin</c>,
/// and the agent token for the heartbeat.
/// </summary>
internal static class AuthSchemes
{
    public const string Cookie = "Cookies";

    public const string AdminBearer = "AdminBearer";

    public const string AgentToken = "AgentToken";

    /// <summary>Policy of <c>/api/admin</c>: the admin key as a bearer token.</summary>
    public const string AdminApi = "AdminApi";

    /// <summary>Policy of the agent's heartbeat: a current (or overlapping previous) agent token.</summary>
    public const string Agent = "Agent";

    /// <summary>Policy of the pages and the JSON they poll: a signed-in session cookie.</summary>
    public const string Pages = "Pages";

    public const string AdminRole = "admin";
}
