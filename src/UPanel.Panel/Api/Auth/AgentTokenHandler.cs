using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace UPanel.Panel.Api.Auth;

/// <summary>
/// The agent token as <c>Authorization: Bearer</c>. The <see cref="AgentIdentity"/> it finds (server, token to
/// promote or to deliver) is left on the request's features for the heartbeat handler.
/// </summary>
internal sealed class AgentTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    AgentAuthenticator authenticator,
    Alerts.TokenFailures failures,
    TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var identity = await authenticator.AuthenticateAsync(BearerToken.Read(Request), time.GetUtcNow(), Context.RequestAborted);
        if (identity is null)
        {
            return AuthenticateResult.NoResult();
        }

        Context.Features.Set(identity);
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, identity.Server.ServerId)], Scheme.Name));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
    }

    /// <summary>The same 401 for every refusal; the server the body names is counted for the token_failures alert.</summary>
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        await failures.RecordAsync(Request);
        await ApiErrors.UnauthorizedAsync(Context);
    }

    /// <summary>The identity the scheme authenticated; only reachable behind the <see cref="AuthSchemes.Agent"/> policy.</summary>
    public static AgentIdentity Identity(HttpContext context) =>
        context.Features.Get<AgentIdentity>() ?? throw new InvalidOperationException("the heartbeat endpoint runs only behind the agent policy");
}
