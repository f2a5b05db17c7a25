using Microsoft.Extensions.Logging;
using UPanel.Agent.Configuration;
using UPanel.Contracts;

namespace UPanel.Agent.Reporting;

/// <summary>
/// The agent token, owned in one place: the configured one (env file, AGENT_TOKEN, AGENT_TOKEN_FILE), the one the
/// panel rotated to (kept in STATE_DIR so a restart does not fall back to a token the panel stopped accepting), which
/// of them every send uses, queued heartbeats included, and what to try after the panel refuses one.
/// </summary>
internal sealed class AgentToken
{
    private readonly Lock _gate = new();
    private readonly RotatedTokenStore _store;
    private readonly Func<string?> _readConfigured;
    private readonly string _stateDir;
    private readonly ILogger _logger;
    private string _configured;

    /// <summary>The newest token the panel rotated to (kept in memory too, for when STATE_DIR cannot take it).</summary>
    private string? _rotated;

    private volatile string _current;

    /// <param name="configured">The configured token, already checked by the configuration.</param>
    /// <param name="readConfigured">Re-reads the configured token (null when it is missing or broken now).</param>
    public AgentToken(string configured, string stateDir, Func<string?> readConfigured, ILogger logger)
    {
        _configured = configured;
        _stateDir = stateDir;
        _store = new RotatedTokenStore(stateDir);
        _readConfigured = readConfigured;
        _logger = logger;
        _current = _store.Resolve(configured);
        _rotated = _current != configured ? _current : null;
    }

    /// <summary>The token for the next send.</summary>
    public string Current => _current;

    /// <summary>
    /// Takes the token a heartbeat response rotated to, after the same check as a configured token: a value that is
    /// not one (a newline would add lines to the token file) is neither used nor stored.
    /// </summary>
    public void Adopt(string rotated)
    {
        if (!TokenText.IsValid(rotated))
        {
            Log.RotatedTokenRefused(_logger, TokenText.MaxLength);
            return;
        }

        lock (_gate)
        {
            if (rotated == _current)
            {
                return;
            }

            _rotated = rotated;
            _current = rotated;
            Log.TokenRotated(_logger);
            try
            {
                _store.Save(_configured, rotated);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Messages of these name paths only, never file content.
                Log.RotatedTokenNotSaved(_logger, _store.FilePath, FileErrorText.Describe(e, _store.FilePath), _stateDir);
            }
        }
    }

    /// <summary>
    /// After the panel refused <paramref name="refused"/> (401/403), picks the token to try next. The env file or
    /// AGENT_TOKEN_FILE may hold a new one (re-registration, rotated secret): that wins. Otherwise, after a rotation,
    /// the rotated and the configured token take turns: a refusal of the rotated one may be a hiccup (keep it: it is
    /// the newest there is), or the panel rotated again before the agent used the first new token, and then only the
    /// configured one still works (and brings the newest). Never giving up either keeps the agent from locking itself
    /// out; it costs one refused try an interval.
    /// </summary>
    public void Refused(string refused)
    {
        string? configured;
        try
        {
            configured = _readConfigured();
        }
        catch (Exception ex)
        {
            Log.TokenReloadFailed(_logger, ex.GetType().Name);
            return;
        }

        lock (_gate)
        {
            string? next;
            if (configured is not null && configured != _configured)
            {
                Log.ConfiguredTokenChanged(_logger);
                _configured = configured;
                next = _store.Resolve(configured);
                _rotated = next != configured ? next : null;
            }
            else
            {
                next = _rotated is null ? null : refused == _rotated ? _configured : _rotated;
            }

            if (next is not null && next != _current)
            {
                _current = next;
                Log.TokenReloaded(_logger);
            }
        }
    }
}
