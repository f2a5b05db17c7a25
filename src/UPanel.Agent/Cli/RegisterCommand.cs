using System.Globalization;
using System.Net;
using System.Text.Json;
using UPanel.Agent.Collection;
using UPanel.Agent.Configuration;
using UPanel.Agent.Http;
using UPanel.Agent.Reporting;
using UPanel.Agent.Wire;
using UPanel.Contracts;

namespace UPanel.Agent.Cli;

/// <summary>
/// <c>register</c>: sends the host's facts with the install token, then writes PANEL_URL, SERVER_ID, AGENT_TOKEN and
/// HEARTBEAT_INTERVAL to the env file, atomically and 0600, keeping the file's other lines. Prints the server id, never the token,
/// and how to start the agent unless UPANEL_NO_NEXT_STEP says a script does.
/// </summary>
internal sealed class RegisterCommand(CliEnvironment env, ConfigLoadResult config, string installToken)
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    public async Task<int> RunAsync()
    {
        var options = config.Options;
        var panelUrl = options.PanelUrl!;
        var path = config.EnvFilePath;
        if (CannotWrite(path) is { } reason)
        {
            // Before the panel is asked: it would register a server whose token then has nowhere to go.
            Fail($"cannot write {path} ({reason}); nothing was sent to the panel: run register as a user that may write it " +
                 "(e.g. with sudo), or pass --env-file PATH");
            return ExitCodes.Failure;
        }

        RegisterRequest facts;
        try
        {
            facts = env.ReadHostFacts(new HostFiles(options));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            env.Err.WriteLine($"upanel-agent: cannot read this host's facts ({e.GetType().Name}: {e.Message}): check HOST_PROC ({options.HostProc}) and HOST_ROOT ({options.HostRoot})");
            return ExitCodes.Failure;
        }

        var response = await SendAsync(panelUrl, facts);
        if (response is null)
        {
            return ExitCodes.Failure;
        }

        var interval = Math.Clamp(
            response.NextHeartbeatSeconds ?? options.HeartbeatIntervalSeconds, AgentOptions.MinIntervalSeconds, AgentOptions.MaxIntervalSeconds);
        try
        {
            EnvFileWriter.Update(path,
            [
                new(Settings.PanelUrl.Name, panelUrl.GetLeftPart(UriPartial.Path).TrimEnd('/')),
                new(Settings.ServerId.Name, response.ServerId),
                new(Settings.AgentToken.Name, response.AgentToken),
                new(Settings.HeartbeatInterval.Name, interval.ToString(CultureInfo.InvariantCulture)),
            ]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            env.Err.WriteLine(
                $"upanel-agent: registered as server {response.ServerId}, but cannot write {path} ({e.GetType().Name}): " +
                "run register as a user that may write it, or pass --env-file PATH; running register again with the same " +
                "install token from this machine gives the same server");
            return ExitCodes.Failure;
        }

        env.Out.WriteLine($"registered: server id {response.ServerId}");
        env.Out.WriteLine($"wrote PANEL_URL, SERVER_ID, AGENT_TOKEN, HEARTBEAT_INTERVAL to {path} (mode 0600)");
        if (env.Variables.GetValueOrDefault(Settings.NoNextStep.Name)?.Trim() is null or "" or "0")
        {
            env.Out.WriteLine($"next: start the agent (docker compose up -d, or upanel-agent run{(path == Settings.DefaultEnvFile ? "" : $" --env-file {path}")}); upanel-agent check verifies the setup");
        }

        WarnAboutOverrides(options);
        return ExitCodes.Ok;
    }

    /// <summary>Creates the env file's directory (0700) if needed and tries a file in it; null when register can write there.</summary>
    private static string? CannotWrite(string path)
    {
        var directory = Path.GetDirectoryName(path)!;
        try
        {
            if (!Directory.Exists(directory))
            {
                PrivateDirectory.Create(directory);
            }

            var probe = Path.Join(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.probe");
            using (new FileStream(probe, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.DeleteOnClose }))
            {
            }

            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return FileErrorText.Describe(e, directory);
        }
    }

    private async Task<RegisterResponse?> SendAsync(Uri panelUrl, RegisterRequest facts)
    {
        var uri = new Uri(panelUrl, "api/agent/register");
        using var client = PanelHttp.CreateClient(env.Variables);
        var request = HttpRequest.PostJson(uri, RegisterRequestJson.ToUtf8Bytes(facts), "Bearer " + installToken);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(env.Stopping);
        deadline.CancelAfter(RequestTimeout);
        HttpResponse response;
        byte[] body;
        try
        {
            response = await client.SendAsync(request, deadline.Token);
            body = await response.ReadBodyAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (env.Stopping.IsCancellationRequested)
        {
            env.Err.WriteLine("upanel-agent: register interrupted");
            return null;
        }
        catch (OperationCanceledException)
        {
            Fail($"the panel at PANEL_URL={panelUrl} did not answer within {RequestTimeout.TotalSeconds:0} s: check PANEL_URL and that the panel is up");
            return null;
        }
        catch (HttpTransportException e)
        {
            // The message names the request and the cause, a TLS or http/https mistake with its fix.
            var reason = e.Message.Replace(installToken, "***", StringComparison.Ordinal);
            Fail(e.NamesFix
                ? $"cannot talk to the panel at PANEL_URL={panelUrl} ({reason})"
                : $"cannot reach the panel at PANEL_URL={panelUrl} ({reason}): check PANEL_URL and that this host can reach the panel");
            return null;
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return ParseSuccess(panelUrl, status, body);
            }

            var text = PanelRefusal.Describe(body, response.Header("Content-Type"), installToken);
            var said = text is null ? "" : $": {text}";
            if (PanelRefusal.IsLoginRedirect(response.StatusCode, response.Header("Location")))
            {
                Fail($"the panel sent register to its sign-in page (HTTP {status} to {PanelRefusal.Location(response.Header("Location"))}), so it did not accept the install token: " +
                     "it is invalid, expired or already used; create a new one on the panel and run register again");
                return null;
            }

            switch (response.StatusCode)
            {
                case var _ when PanelRefusal.SaysHttpsPort(response.StatusCode, text):
                    Fail($"the server at PANEL_URL={panelUrl} speaks https on that port, not plain HTTP (HTTP {status}{said}): use https:// in PANEL_URL");
                    break;
                case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                    Fail($"the panel rejected the install token (HTTP {status}): it is invalid, expired or already used; " +
                         "create a new one on the panel (`install-token create`) and run register again");
                    break;
                case HttpStatusCode.NotFound:
                    Fail($"PANEL_URL={panelUrl} has no api/agent/register (HTTP 404): set --panel-url to the panel's base URL");
                    break;
                case >= HttpStatusCode.MultipleChoices and < HttpStatusCode.BadRequest:
                    Fail($"the panel at PANEL_URL={panelUrl} redirects (HTTP {status}) to {PanelRefusal.Location(response.Header("Location"))}: " +
                         "set --panel-url to the URL it redirects to (https, most likely)");
                    break;
                case >= HttpStatusCode.InternalServerError:
                    Fail($"the panel at PANEL_URL={panelUrl} failed (HTTP {status}{said}): try again later, and check the panel's log");
                    break;
                case (HttpStatusCode)419:
                    Fail($"the panel's CSRF check refused the registration (HTTP 419{said}): its register route must not require a CSRF token " +
                         "(in Laravel: routes/api.php, or excluded from VerifyCsrfToken); tell the panel's operator");
                    break;
                default:
                    Fail($"the panel refused the registration (HTTP {status}{said}): fix what it names and run register again");
                    break;
            }

            return null;
        }
    }

    private RegisterResponse? ParseSuccess(Uri panelUrl, int status, byte[] body)
    {
        RegisterResponse? parsed = null;
        try
        {
            parsed = RegisterResponseJson.Read(body);
        }
        catch (JsonException)
        {
        }

        if (parsed is null || string.IsNullOrWhiteSpace(parsed.ServerId) || string.IsNullOrEmpty(parsed.AgentToken))
        {
            Fail($"the server at PANEL_URL={panelUrl} answered HTTP {status} but not with a registration (JSON with server_id and agent_token): " +
                 "check that PANEL_URL is the panel's base URL");
            return null;
        }

        if (parsed.ServerId.Any(c => char.IsWhiteSpace(c) || WireText.IsUnsafe(c)) || !TokenText.IsValid(parsed.AgentToken))
        {
            Fail($"the panel returned a server id with whitespace or control characters, or an agent token that is not {TokenText.MaxLength} visible ASCII characters at most: report this to the panel's operator");
            return null;
        }

        return parsed;
    }

    private void WarnAboutOverrides(AgentOptions options)
    {
        if (options.AgentTokenFile is not null)
        {
            env.Err.WriteLine($"note: AGENT_TOKEN_FILE ({options.AgentTokenFile}) is also set; unset it or put the new token in that file, or the agent will not use the token register wrote");
        }

        foreach (var name in new[] { Settings.PanelUrl.Name, Settings.ServerId.Name, Settings.AgentToken.Name, Settings.HeartbeatInterval.Name })
        {
            if (env.Variables.TryGetValue(name, out var value) && value.Trim().Length > 0)
            {
                env.Err.WriteLine($"note: {name} is set in the environment and overrides the env file; unset it to use the value register wrote");
            }
        }
    }

    private void Fail(string message) => env.Err.WriteLine("upanel-agent: register failed: " + message);
}
