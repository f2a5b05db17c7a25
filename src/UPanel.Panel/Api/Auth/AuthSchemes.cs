namespace UPanel.Panel.Api.Auth;

/// <summary>
/// The panel's ways in that are authentication schemes, and the policies that groups of endpoints require: a cookie
/// for the pages (signed in with the admin key) and the admin key as a bearer token for <c>/api/admin</c>. The agent
/// token is checked by the heartbeat handler itself (<see cref="AgentEndpoints"/>; the install token by registration's).
/// </summary>
internal static class AuthSchemes
{
    public const string Cookie = "Cookies";

    public const string AdminBearer = "AdminBearer";

    /// <summary>Policy of <c>/api/admin</c>: the admin key as a bearer token.</summary>
    public const string AdminApi = "AdminApi";

    /// <summary>Policy of the pages and the JSON they poll: a signed-in session cookie.</summary>
    public const string Pages = "Pages";

    public const string AdminRole = "admin";
}
