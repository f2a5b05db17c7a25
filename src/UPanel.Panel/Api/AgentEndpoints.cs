using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using UPanel.Contracts;
using UPanel.Panel.Hosting;
using UPanel.Panel.Storage;
using UPanel.Panel.Tokens;

namespace UPanel.Panel.Api;

/// <summary>The agent API: <c>POST /api/agent/register</c> and <c>POST /api/agent/heartbeat</c>.</summary>
internal sealed class AgentEndpoints(
    IPanelStore store,
    AgentAuthenticator authenticator,
    PanelOptions options,
    TimeProvider time,
    ILogger<AgentEndpoints> logger)
{
    public const string GroupName = "agent";

    /// <remarks>The handlers are plain request delegates: they read and validate their bodies themselves.</remarks>
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/api/agent/register", (RequestDelegate)(context => context.RequestServices.GetRequiredService<AgentEndpoints>().RegisterAsync(context)))
            .Described()
            .WithName("RegisterAgent")
            .WithSummary("Register a server with an install token")
            .WithDescription("Bearer: an install token (single-use, expiring). Repeating it from the same machine (machine_id, else hostname) within its lifetime and before the server's first heartbeat returns the same server with a fresh agent token; the previous agent token stops working. After the first heartbeat the install token is spent for good.")
            .WithGroupName(GroupName)
            .WithTags("agent")
            .AcceptsJson<RegisterRequest>()
            .Returns<RegisterResponse>()
            .ReturnsErrors(StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType);

        app.MapPost("/api/agent/heartbeat", (RequestDelegate)(context => context.RequestServices.GetRequiredService<AgentEndpoints>().HeartbeatAsync(context)))
            .Described()
            .WithName("Heartbeat")
            .WithSummary("Report one sample of the host and its containers")
            .WithDescription("Bearer: the agent token. A heartbeat_id already stored is acknowledged and not stored again; a sample older than the latest goes into history only (a latest stamped ahead of the panel's clock is replaced by whatever arrives next). Per-server limits on heartbeats and stored bytes, far above what an agent sends (backlog drain included), answer 429 with Retry-After. timestamp must lie within [now - 7 d, now + 1 h]. new_agent_token in the response is the token to use from now on (in-band rotation).")
            .WithGroupName(GroupName)
            .WithTags("agent")
            .AcceptsJson<Heartbeat>()
            .Returns<HeartbeatResponse>()
            .ReturnsErrors(StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType, StatusCodes.Status429TooManyRequests);
    }

    public async Task RegisterAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        var installToken = BearerToken.Read(context.Request);
        // Before the body: nobody without a live install token gets the panel to read or inflate one.
        if (installToken is null || !await store.IsInstallTokenLiveAsync(Secrets.Hash(installToken), time.GetUtcNow(), cancellationToken))
        {
            Log.RegisterRejected(logger);
            await ApiErrors.UnauthorizedAsync(context);
            return;
        }

        var (body, bodyError) = await RequestBody.ReadJsonAsync(context.Request, options.MaxBodyBytes, cancellationToken);
        if (bodyError is not null)
        {
            await ApiErrors.WriteAsync(context, bodyError);
            return;
        }

        RegisterRequest? request;
        try
        {
            request = JsonSerializer.Deserialize(body, ContractsJsonContext.Default.RegisterRequest);
        }
        catch (JsonException exception)
        {
            await ApiErrors.WriteAsync(context, JsonErrors.Describe(exception));
            return;
        }

        if (RegisterValidator.Validate(request) is { } invalid)
        {
            await ApiErrors.WriteAsync(context, invalid);
            return;
        }

        var now = time.GetUtcNow();
        var agentToken = Secrets.NewToken();
        var result = await store.RegisterAsync(new Registration
        {
            InstallTokenHash = Secrets.Hash(installToken),
            MachineKey = request!.MachineId is { Length: > 0 } machineId ? "machine-id:" + machineId : "hostname:" + request.Hostname.ToLowerInvariant(),
            MachineId = request.MachineId is { Length: > 0 } ? request.MachineId : null,
            Hostname = request.Hostname,
            OsVersion = request.OsVersion,
            CpuCores = request.CpuCores,
            RamMb = request.RamMb,
            DiskGb = request.DiskGb,
            AgentVersion = request.AgentVersion,
            NewServerId = Ulid.NewUlid(now).ToString(),
            NewTokenHash = Secrets.Hash(agentToken),
            Now = now,
            DefaultHeartbeatSeconds = options.DefaultHeartbeatSeconds,
        }, cancellationToken);

        if (result.ServerId is null)
        {
            Log.RegisterRejected(logger);
            await ApiErrors.UnauthorizedAsync(context);
            return;
        }

        if (result.Repeated)
        {
            Log.ServerReRegistered(logger, result.ServerId);
        }
        else
        {
            Log.ServerRegistered(logger, result.ServerId, request.Hostname);
        }

        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsJsonAsync(
            new RegisterResponse
            {
                ServerId = result.ServerId,
                AgentToken = agentToken,
                PanelUrl = Api.PanelUrl.Of(options, context.Request),
                NextHeartbeatSeconds = result.NextHeartbeatSeconds,
            },
            ContractsJsonContext.Default.RegisterResponse,
            contentType: null,
            cancellationToken);
    }

    public async Task HeartbeatAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        var receivedAt = time.GetUtcNow();
        var identity = await authenticator.AuthenticateAsync(BearerToken.Read(context.Request), receivedAt, cancellationToken);
        if (identity is null)
        {
            await ApiErrors.UnauthorizedAsync(context);
            return;
        }

        var server = identity.Server;
        var (body, bodyError) = await RequestBody.ReadJsonAsync(context.Request, options.MaxBodyBytes, cancellationToken);
        if (bodyError is not null)
        {
            await RejectAsync(context, server.ServerId, bodyError);
            return;
        }

        Heartbeat? heartbeat;
        try
        {
            heartbeat = JsonSerializer.Deserialize(body, ContractsJsonContext.Default.Heartbeat);
        }
        catch (JsonException exception)
        {
            await RejectAsync(context, server.ServerId, JsonErrors.Describe(exception));
            return;
        }

        var timestampFromReceipt = SeedHeartbeat.TimestampFromReceipt(heartbeat);
        heartbeat = SeedHeartbeat.Normalize(heartbeat, receivedAt);
        if (HeartbeatValidator.Validate(heartbeat, receivedAt, options) is { } invalid)
        {
            await RejectAsync(context, server.ServerId, invalid);
            return;
        }

        if (!string.Equals(heartbeat!.ServerId, server.ServerId, StringComparison.Ordinal))
        {
            await RejectAsync(context, server.ServerId, new ApiError(StatusCodes.Status403Forbidden, "server_id: does not belong to this token", "server_id"));
            return;
        }

        if (await store.ChargeAsync(server.ServerId, body!.Length, receivedAt, options.HeartbeatQuota, cancellationToken) is { } wait)
        {
            var seconds = (long)Math.Ceiling(wait.TotalSeconds);
            Log.HeartbeatRateLimited(logger, server.ServerId, seconds);
            context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await ApiErrors.WriteAsync(context, StatusCodes.Status429TooManyRequests, $"too many heartbeats or bytes from this server: retry after {seconds} s");
            return;
        }

        var outcome = await store.IngestAsync(new HeartbeatIngest
        {
            ServerId = server.ServerId,
            HeartbeatId = heartbeat.HeartbeatId,
            Seq = heartbeat.Seq,
            SampleAt = heartbeat.Timestamp!.Value,
            TimestampFromReceipt = timestampFromReceipt,
            ReceivedAt = receivedAt,
            AgentVersion = heartbeat.AgentVersion,
            Metrics = heartbeat.Metrics,
            ContainerCount = heartbeat.Containers?.Count,
            ContainersJson = heartbeat.Containers is { } containers
                ? JsonSerializer.Serialize(containers, PanelJsonContext.Default.IReadOnlyListContainerInfo)
                : null,
            HeartbeatJson = JsonSerializer.Serialize(heartbeat, ContractsJsonContext.Default.Heartbeat),
            PromoteTokenHash = identity.PromoteTokenHash,
        }, cancellationToken);

        if (outcome == IngestOutcome.UnknownServer)
        {
            // Revoked or deleted between the token lookup and the write: the same answer as any dead token.
            await ApiErrors.UnauthorizedAsync(context);
            return;
        }

        if (identity.PromoteTokenHash is not null)
        {
            Log.TokenPromoted(logger, server.ServerId);
        }

        Log.HeartbeatStored(logger, server.ServerId, heartbeat.Seq, outcome.ToString());
        var update = AgentUpdate.IsAvailable(server.TargetAgentVersion, heartbeat.AgentVersion);
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsJsonAsync(
            new HeartbeatResponse
            {
                ServerTime = receivedAt,
                NextHeartbeatSeconds = server.NextHeartbeatSeconds,
                UpdateAvailable = update ? true : null,
                UpdateUrl = update ? server.UpdateUrl ?? $"{options.AgentImage}:{server.TargetAgentVersion}" : null,
                NewAgentToken = identity.TokenToDeliver,
            },
            ContractsJsonContext.Default.HeartbeatResponse,
            contentType: null,
            cancellationToken);
    }

    private Task RejectAsync(HttpContext context, string serverId, ApiError error)
    {
        Log.HeartbeatRejected(logger, serverId, error.Status, error.Message);
        return ApiErrors.WriteAsync(context, error);
    }
}
