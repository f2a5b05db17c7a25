using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using UPanel.Panel.Tokens;

namespace UPanel.Panel.Api.Auth;

/// <summary>The admin key as <c>Authorization: Bearer</c>; a failure is the same 401 as every other token failure.</summary>
internal sealed class AdminBearerHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    AdminGuard guard)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync() =>
        Task.FromResult(guard.IsAuthorized(BearerToken.Read(Request))
            ? AuthenticateResult.Success(new AuthenticationTicket(AdminPrincipal(Scheme.Name), Scheme.Name))
            : AuthenticateResult.NoResult());

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) => ApiErrors.UnauthorizedAsync(Context);

    public static ClaimsPrincipal AdminPrincipal(string scheme) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, "admin"), new Claim(ClaimTypes.Role, AuthSchemes.AdminRole)], scheme));
}
