using Microsoft.Extensions.Logging;
using UPanel.Panel.Storage;
using UPanel.Panel.Tokens;

namespace UPanel.Panel.Api;

/// <summary>
/// Agent tokens: looked up by SHA-256, compared in constant time. During a rotation the previous token works until
/// the new one is first used or its overlap ends, and each heartbeat made with it carries the new token back.
/// </summary>
internal sealed class AgentAuthenticator(IPanelStore store, TokenSealer sealer, ILogger<AgentAuthenticator> logger)
{
    public async Task<AgentIdentity?> AuthenticateAsync(string? token, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (token is null)
        {
            return null;
        }

        var hash = Secrets.Hash(token);
        var server = await store.FindByTokenHashAsync(hash, cancellationToken);
        if (server is null)
        {
            return null;
        }

        if (Secrets.HashesEqual(server.TokenHash, hash))
        {
            return new AgentIdentity(server, server.PreviousTokenHash is null ? null : hash, null);
        }

        if (Secrets.HashesEqual(server.PreviousTokenHash, hash) && server.PreviousExpiresAt > now)
        {
            string? next = null;
            if (server.PendingTokenSealed is { } sealedToken)
            {
                next = sealer.Unseal(sealedToken, server.ServerId);
                if (next is null)
                {
                    Log.RotatedTokenUnreadable(logger, server.ServerId);
                }
            }

            return new AgentIdentity(server, null, next);
        }

        return null;
    }
}
