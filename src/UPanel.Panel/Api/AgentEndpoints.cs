using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using UPanel.Contracts;
using UPanel.Panel.Hosting;
using UPanel.Panel.Storage;
using UPanel.Panel.Tokens;

namespace UPanel.Panel.Api;

/// <summary>The agent API: <c>POST /api/agent/register</c> and <c>POST /api/agent/heartbeat</c>.</summary>
internal sealed class AgentEndpoints(
    IPanelStore store,
    Alerts.AlertService alerts,
    AgentAuthenticator authenticator,
    Alerts.TokenFailures failures,
    PanelOptions options,
    TimeProvider time,
    ILogger<AgentEndpoints> logger)
{
    public const string GroupName = "agent";

    /// <remarks>
    /// The handlers read and validate their bodies themselves (size cap, gzip, field-naming errors), so the body
    /// shapes are declared with <see cref="EndpointMetadata.AcceptsJson"/>.
    /// </remarks>
    public static void Map(IEndpointRouteBuilder app)
    {
        var agent = app.MapGroup("/api/agent").WithGroupName(GroupName).WithTags("agent");

        // The install token is checked together with the machine in the store's one registration transaction, so it
        // is not an authentication scheme of its own: the handler refuses a missing or unknown one with the same 401.
        agent.MapPost("/register", ([FromServices] AgentEndpoints e, HttpContext context) => e.RegisterAsync(context))
            .AllowAnonymous()
            .WithName("RegisterAgent")
            .WithSummary("Register a server with an install token")
            .WithDescription("Bearer: an install token (single-use, expiring). Repeating it from the same machine (machine_id, else hostname) within its lifetime and before the server's first heartbeat returns the same server with a fresh agent token; the previous agent token stops working. After the first heartbeat the install token is spent for good.")
            .AcceptsJson<RegisterRequest>()
            .ReturnsErrors(StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType);

        // The agent token is checked by the handler itself, first, against the same credentials, with the same 401 and
        // token-failure record as every other token failure: ASP.NET Core's scheme, policy and principal around that
        // look-up cost more than the look-up (docs/decisions/ingest-throughput.md, eleventh pass, alongside).
        agent.MapPost("/heartbeat", ([FromServices] AgentEndpoints e, HttpContext context) => e.HeartbeatAsync(context))
            .AllowAnonymous()
            .WithName("Heartbeat")
            .WithSummary("Report one sample of the host and its containers")
            .WithDescription("Bearer: the agent token. A heartbeat_id already stored is acknowledged and not stored again; a sample older than the latest goes into history only (a latest stamped ahead of the panel's clock is replaced by whatever arrives next). Per-server limits on heartbeats and stored bytes, far above what an agent sends (backlog drain included), answer 429 with Retry-After. timestamp must lie within [now - 7 d, now + 1 h]. new_agent_token in the response is the token to use from now on (in-band rotation).")
            .AcceptsJson<Heartbeat>()
            .ReturnsErrors(StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType, StatusCodes.Status429TooManyRequests);
    }

    public async Task<Results<Ok<RegisterResponse>, ErrorResult>> RegisterAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        var installToken = BearerToken.Read(context.Request);
        // Before the body: nobody without a live install token gets the panel to read or inflate one.
        if (installToken is null || !await store.IsInstallTokenLiveAsync(Secrets.Hash(installToken), time.GetUtcNow(), cancellationToken))
        {
            Log.RegisterRejected(logger);
            return ErrorResult.Unauthorized;
        }

        var (body, bodyError) = await RequestBody.ReadJsonAsync(context.Request, options.MaxBodyBytes, cancellationToken);
        if (bodyError is not null)
        {
            return new ErrorResult(bodyError);
        }

        RegisterRequest? request;
        try
        {
            request = JsonSerializer.Deserialize(body, ContractsJsonContext.Default.RegisterRequest);
        }
        catch (JsonException exception)
        {
            return new ErrorResult(JsonErrors.Describe(exception));
        }

        if (RegisterValidator.Validate(request) is { } invalid)
        {
            return new ErrorResult(invalid);
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
            return ErrorResult.Unauthorized;
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
        return TypedResults.Ok(new RegisterResponse
        {
            ServerId = result.ServerId,
            AgentToken = agentToken,
            PanelUrl = Api.PanelUrl.Of(options, context.Request),
            NextHeartbeatSeconds = result.NextHeartbeatSeconds,
        });
    }

    public async Task<Results<JsonOk<HeartbeatResponse>, ErrorResult>> HeartbeatAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        var receivedAt = time.GetUtcNow();
        if (await authenticator.AuthenticateAsync(BearerToken.Read(context.Request), receivedAt, cancellationToken) is not { } identity)
        {
            // The server the body names is counted for the token_failures alert; the answer is the same 401 whatever failed.
            await failures.RecordAsync(context.Request);
            return ErrorResult.Unauthorized;
        }

        var server = identity.Server;
        var (body, bodyError) = await RequestBody.ReadJsonAsync(context.Request, options.MaxBodyBytes, cancellationToken);
        if (bodyError is not null)
        {
            return Reject(server.ServerId, bodyError);
        }

        Heartbeat? heartbeat;
        try
        {
            heartbeat = HeartbeatReader.Read(body);
        }
        catch (JsonException exception)
        {
            return Reject(server.ServerId, JsonErrors.Describe(exception));
        }

        var received = heartbeat;
        var timestampFromReceipt = SeedHeartbeat.TimestampFromReceipt(heartbeat);
        heartbeat = SeedHeartbeat.Normalize(heartbeat, receivedAt);
        if (HeartbeatValidator.Validate(heartbeat, receivedAt, options) is { } invalid)
        {
            return Reject(server.ServerId, invalid);
        }

        if (!string.Equals(heartbeat!.ServerId, server.ServerId, StringComparison.Ordinal))
        {
            return Reject(server.ServerId, new ApiError(StatusCodes.Status403Forbidden, "server_id: does not belong to this token", "server_id"));
        }

        var (outcome, retryAfter) = await store.IngestAsync(new HeartbeatIngest
        {
            ServerId = server.ServerId,
            Bytes = body!.Length,
            Quota = options.HeartbeatQuota,
            HeartbeatId = heartbeat.HeartbeatId,
            Seq = heartbeat.Seq,
            SampleAt = heartbeat.Timestamp!.Value,
            TimestampFromReceipt = timestampFromReceipt,
            ReceivedAt = receivedAt,
            AgentVersion = heartbeat.AgentVersion,
            Metrics = heartbeat.Metrics,
            ContainerCount = heartbeat.Containers?.Count,
            ContainerCounts = ContainerCounts.Of(heartbeat.Containers),
            Containers = heartbeat.Containers,
            ContainersDigest = heartbeat.Containers is { } listed ? ContainerHistory.Digest(listed) : null,
            HeartbeatJson = LatestJson(body, received!, heartbeat),
            PromoteTokenHash = identity.PromoteTokenHash,
        }, cancellationToken);

        if (outcome == IngestOutcome.RateLimited)
        {
            var seconds = (long)Math.Ceiling(retryAfter!.Value.TotalSeconds);
            Log.HeartbeatRateLimited(logger, server.ServerId, seconds);
            context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return new ErrorResult(new ApiError(StatusCodes.Status429TooManyRequests, $"too many heartbeats or bytes from this server: retry after {seconds} s"));
        }

        if (outcome == IngestOutcome.UnknownServer)
        {
            // Revoked or deleted between the token lookup and the write: the same answer as any dead token.
            return ErrorResult.Unauthorized;
        }

        if (outcome == IngestOutcome.StoredAsLatest)
        {
            alerts.LatestStored(server.ServerId, heartbeat);
        }

        if (identity.PromoteTokenHash is not null)
        {
            Log.TokenPromoted(logger, server.ServerId);
        }

        Log.HeartbeatStored(logger, server.ServerId, heartbeat.Seq, outcome.ToString());
        var update = AgentUpdate.IsAvailable(server.TargetAgentVersion, heartbeat.AgentVersion);
        context.Response.Headers.CacheControl = "no-store";
        return new JsonOk<HeartbeatResponse>(new HeartbeatResponse
        {
            ServerTime = receivedAt,
            NextHeartbeatSeconds = server.NextHeartbeatSeconds,
            UpdateAvailable = update ? true : null,
            UpdateUrl = update ? server.UpdateUrl ?? $"{options.AgentImage}:{server.TargetAgentVersion}" : null,
            NewAgentToken = identity.TokenToDeliver,
        });
    }

    /// <summary>
    /// What <c>latest_heartbeat</c> stores: the body as received when normalizing changed nothing (an agent's heartbeat),
    /// since reading it back gives the same heartbeat as reading the normalized one re-serialized, and re-serializing 2.6 KB
    /// with 20 containers was a measurable part of a heartbeat (docs/decisions/ingest-throughput.md, third pass). As UTF-8,
    /// the body's own bytes: the SQLite writer stores them as text as they are, where a string of them was 8 KB more per
    /// heartbeat, converted back to UTF-8 to be bound (eighth pass).
    /// </summary>
    internal static byte[] LatestJson(byte[] body, Heartbeat received, Heartbeat normalized) =>
        SeedHeartbeat.ChangedNothing(received, normalized)
            ? body
            : JsonSerializer.SerializeToUtf8Bytes(normalized, ContractsJsonContext.Default.Heartbeat);

    private ErrorResult Reject(string serverId, ApiError error)
    {
        Log.HeartbeatRejected(logger, serverId, error.Status, error.Message);
        return new ErrorResult(error);
    }
}
