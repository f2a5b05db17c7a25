using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using UPanel.Contracts;
using UPanel.Panel.Api.Admin;
using UPanel.Panel.Hosting;
using UPanel.Panel.Storage;
using UPanel.Panel.Tokens;

namespace UPanel.Panel.Api;

/// <summary>The admin API under <c>/api/admin</c>: install tokens, servers and their state, token rotation and revocation.</summary>
internal sealed class AdminEndpoints(
    IPanelStore store,
    AdminGuard guard,
    InstallTokenIssuer installTokens,
    TokenSealer sealer,
    PanelOptions options,
    TimeProvider time,
    ILogger<AdminEndpoints> logger)
{
    public const string GroupName = "admin";

    public const int MaxHistoryPage = 1000;

    public static void Map(IEndpointRouteBuilder app)
    {
        Map(app, "POST", "/api/admin/install-tokens", "CreateInstallToken", "Create an install token (body optional: expires_in_seconds, default 24 h)", (e, c) => e.CreateInstallTokenAsync(c))
            .AcceptsJson<InstallTokenRequest>(optional: true).Returns<InstallTokenResponse>();
        Map(app, "GET", "/api/admin/servers", "ListServers", "Servers with their latest state (online: a heartbeat within 3 intervals)", (e, c) => e.ListServersAsync(c))
            .Returns<ServerList>();
        Map(app, "GET", "/api/admin/servers/{id}", "GetServer", "One server with its latest state", (e, c) => e.GetServerAsync(c))
            .Returns<ServerView>();
        Map(app, "GET", "/api/admin/servers/{id}/heartbeats", "GetHeartbeats", "History, newest first (?limit=1..1000, default 100; ?before=next_before)", (e, c) => e.GetHeartbeatsAsync(c))
            .Returns<HeartbeatPage>()
            .WithMetadata(new QueryParameter("limit", IsInteger: true, $"page size, 1 to {MaxHistoryPage} (default 100)"))
            .WithMetadata(new QueryParameter("before", IsInteger: true, "next_before of the previous page"));
        Map(app, "GET", "/api/admin/servers/{id}/containers", "GetContainers", "Containers of the latest heartbeat (null: Docker was not reachable)", (e, c) => e.GetContainersAsync(c))
            .Returns<ContainerList>();
        Map(app, "POST", "/api/admin/servers/{id}/rotate-token", "RotateToken", "New agent token, handed out in the next heartbeat response; the old one works until the new one is used or 24 h pass", (e, c) => e.RotateTokenAsync(c))
            .Returns<RotateTokenResponse>();
        Map(app, "POST", "/api/admin/servers/{id}/revoke", "RevokeServer", "Revoke every token of the server at once", (e, c) => e.RevokeAsync(c))
            .Returns<ServerView>();
        Map(app, "POST", "/api/admin/servers/{id}/settings", "ChangeServerSettings", "Heartbeat interval and target agent version (update_available when the agent differs)", (e, c) => e.ChangeSettingsAsync(c))
            .AcceptsJson<ServerSettingsRequest>().Returns<ServerView>();
    }

    private static IEndpointConventionBuilder Map(IEndpointRouteBuilder app, string method, string pattern, string name, string summary, Func<AdminEndpoints, HttpContext, Task> handler) =>
        app.MapMethods(pattern, [method], (RequestDelegate)(async context =>
            {
                var endpoints = context.RequestServices.GetRequiredService<AdminEndpoints>();
                if (!endpoints.IsAuthorized(BearerToken.Read(context.Request)))
                {
                    await ApiErrors.UnauthorizedAsync(context);
                    return;
                }

                await handler(endpoints, context);
            }))
            .Described()
            .WithName(name)
            .WithSummary(summary)
            .WithGroupName(GroupName)
            .WithTags("admin")
            .ReturnsErrors(StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status404NotFound);

    private bool IsAuthorized(string? presented) => guard.IsAuthorized(presented);

    private async Task CreateInstallTokenAsync(HttpContext context)
    {
        var lifetime = options.DefaultInstallTokenLifetime;
        if (context.Request.ContentLength is not 0 && (context.Request.ContentLength is not null || context.Request.ContentType is not null))
        {
            var (request, error) = await ReadAsync(context, PanelJsonContext.Default.InstallTokenRequest);
            if (error is not null)
            {
                await ApiErrors.WriteAsync(context, error);
                return;
            }

            if (request?.ExpiresInSeconds is { } seconds)
            {
                if (seconds < 60 || seconds > InstallTokenIssuer.MaxLifetime.TotalSeconds)
                {
                    await ApiErrors.WriteAsync(context, ApiError.BadField("expires_in_seconds", $"must be between 60 and {InstallTokenIssuer.MaxLifetime.TotalSeconds:0}"));
                    return;
                }

                lifetime = TimeSpan.FromSeconds(seconds);
            }
        }

        var (token, expiresAt) = await installTokens.CreateAsync(lifetime, context.RequestAborted);
        Log.InstallTokenCreated(logger, expiresAt);
        context.Response.Headers.CacheControl = "no-store";
        await WriteAsync(context, new InstallTokenResponse { InstallToken = token, ExpiresAt = expiresAt }, PanelJsonContext.Default.InstallTokenResponse);
    }

    private async Task ListServersAsync(HttpContext context)
    {
        var now = time.GetUtcNow();
        var servers = await store.ListServersAsync(context.RequestAborted);
        await WriteAsync(context, new ServerList([.. servers.Select(s => View(s, now))]), PanelJsonContext.Default.ServerList);
    }

    private async Task GetServerAsync(HttpContext context)
    {
        if (await FindAsync(context) is { } server)
        {
            await WriteAsync(context, View(server, time.GetUtcNow()), PanelJsonContext.Default.ServerView);
        }
    }

    private async Task GetHeartbeatsAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var limit = 100L;
        long? before = null;
        if (query["limit"].ToString() is { Length: > 0 } limitText
            && (!WireText.TryParseDigits(limitText, out limit) || limit < 1 || limit > MaxHistoryPage))
        {
            await ApiErrors.WriteAsync(context, ApiError.BadField("limit", $"must be a whole number from 1 to {MaxHistoryPage}"));
            return;
        }

        if (query["before"].ToString() is { Length: > 0 } beforeText)
        {
            if (!WireText.TryParseDigits(beforeText, out var beforeId))
            {
                await ApiErrors.WriteAsync(context, ApiError.BadField("before", "must be a next_before value from a previous page"));
                return;
            }

            before = beforeId;
        }

        if (await FindAsync(context) is not { } server)
        {
            return;
        }

        var rows = await store.GetHeartbeatsAsync(server.Id, before, (int)limit, context.RequestAborted);
        var page = new HeartbeatPage(
            server.Id,
            [.. rows.Select(r => new HeartbeatView
            {
                Id = r.Id,
                HeartbeatId = r.HeartbeatId,
                Seq = r.Seq,
                Timestamp = r.SampleAt,
                ReceivedAt = r.ReceivedAt,
                TimestampFromReceipt = r.TimestampFromReceipt ? true : null,
                AgentVersion = r.AgentVersion,
                Metrics = r.Metrics,
                ContainerCount = r.ContainerCount,
            })],
            rows.Count == limit ? rows[^1].Id : null);
        await WriteAsync(context, page, PanelJsonContext.Default.HeartbeatPage);
    }

    private async Task GetContainersAsync(HttpContext context)
    {
        if (await FindAsync(context) is not { } server)
        {
            return;
        }

        var latest = Latest(server);
        await WriteAsync(
            context,
            new ContainerList { ServerId = server.Id, SampleAt = latest?.Timestamp, Containers = latest is null ? [] : latest.Containers },
            PanelJsonContext.Default.ContainerList);
    }

    private async Task RotateTokenAsync(HttpContext context)
    {
        if (await FindAsync(context) is not { } server)
        {
            return;
        }

        var now = time.GetUtcNow();
        var token = Secrets.NewToken();
        var until = now + options.RotationOverlap;
        if (!await store.RotateTokenAsync(server.Id, Secrets.Hash(token), sealer.Seal(token, server.Id), now, until, context.RequestAborted))
        {
            await NotFoundAsync(context);
            return;
        }

        Log.TokenRotated(logger, server.Id, until);
        context.Response.Headers.CacheControl = "no-store";
        await WriteAsync(
            context,
            new RotateTokenResponse { ServerId = server.Id, AgentToken = token, PreviousTokenValidUntil = server.RevokedAt is null ? until : null },
            PanelJsonContext.Default.RotateTokenResponse);
    }

    private async Task RevokeAsync(HttpContext context)
    {
        if (await FindAsync(context) is not { } server)
        {
            return;
        }

        await store.RevokeAsync(server.Id, time.GetUtcNow(), context.RequestAborted);
        Log.ServerRevoked(logger, server.Id);
        if (await FindAsync(context) is { } revoked)
        {
            await WriteAsync(context, View(revoked, time.GetUtcNow()), PanelJsonContext.Default.ServerView);
        }
    }

    private async Task ChangeSettingsAsync(HttpContext context)
    {
        var (request, error) = await ReadAsync(context, PanelJsonContext.Default.ServerSettingsRequest);
        error ??= request is null ? new ApiError(400, "the body must be a JSON object") : null;
        error ??= Checks.Range("next_heartbeat_seconds", request!.NextHeartbeatSeconds, 5, 3600)
            ?? Checks.Text("target_agent_version", request.TargetAgentVersion, 64, required: false)
            ?? Checks.Text("update_url", request.UpdateUrl, 512, required: false);
        if (error is not null)
        {
            await ApiErrors.WriteAsync(context, error);
            return;
        }

        if (await FindAsync(context) is not { } server)
        {
            return;
        }

        await store.UpdateSettingsAsync(server.Id, new ServerSettings(request!.NextHeartbeatSeconds, request.TargetAgentVersion, request.UpdateUrl), context.RequestAborted);
        Log.SettingsChanged(logger, server.Id);
        if (await FindAsync(context) is { } changed)
        {
            await WriteAsync(context, View(changed, time.GetUtcNow()), PanelJsonContext.Default.ServerView);
        }
    }

    private async Task<ServerRecord?> FindAsync(HttpContext context)
    {
        var id = context.Request.RouteValues["id"] as string;
        var server = id is { Length: > 0 and <= 64 } ? await store.GetServerAsync(id, context.RequestAborted) : null;
        if (server is null)
        {
            await NotFoundAsync(context);
        }

        return server;
    }

    private static Task NotFoundAsync(HttpContext context) =>
        ApiErrors.WriteAsync(context, StatusCodes.Status404NotFound, "no such server", "id");

    private async Task<(T? Value, ApiError? Error)> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> typeInfo)
        where T : class
    {
        var (body, error) = await RequestBody.ReadJsonAsync(context.Request, options.MaxBodyBytes, context.RequestAborted);
        if (error is not null)
        {
            return (null, error);
        }

        try
        {
            return (JsonSerializer.Deserialize(body, typeInfo), null);
        }
        catch (JsonException exception)
        {
            return (null, JsonErrors.Describe(exception));
        }
    }

    private static Task WriteAsync<T>(HttpContext context, T value, JsonTypeInfo<T> typeInfo) =>
        context.Response.WriteAsJsonAsync(value, typeInfo, contentType: null, context.RequestAborted);

    private static Heartbeat? Latest(ServerRecord server) =>
        server.LatestHeartbeatJson is { } json ? JsonSerializer.Deserialize(json, ContractsJsonContext.Default.Heartbeat) : null;

    /// <summary>Offline after three intervals without a heartbeat (the panel's receive time decides, not the agent's clock).</summary>
    internal static ServerView View(ServerRecord server, DateTimeOffset now)
    {
        var offlineAfter = 3 * server.NextHeartbeatSeconds;
        var online = server.RevokedAt is null && server.LastSeenAt is { } seen && now - seen <= TimeSpan.FromSeconds(offlineAfter);
        var status = server.RevokedAt is not null ? "revoked" : server.LastSeenAt is null ? "never_seen" : online ? "online" : "offline";
        return new ServerView
        {
            Id = server.Id,
            Hostname = server.Hostname,
            OsVersion = server.OsVersion,
            CpuCores = server.CpuCores,
            RamMb = server.RamMb,
            DiskGb = server.DiskGb,
            MachineId = server.MachineId,
            Status = status,
            Online = online,
            AgentVersion = server.LatestAgentVersion ?? server.RegisteredAgentVersion,
            CreatedAt = server.CreatedAt,
            LastSeenAt = server.LastSeenAt,
            LatestSampleAt = server.LatestSampleAt,
            LatestSeq = server.LatestSeq,
            NextHeartbeatSeconds = server.NextHeartbeatSeconds,
            OfflineAfterSeconds = offlineAfter,
            ContainerCount = server.LatestContainerCount,
            Metrics = Latest(server)?.Metrics,
            TargetAgentVersion = server.TargetAgentVersion,
            UpdateUrl = server.UpdateUrl,
            TokenRotationPending = server.RotationPending,
            PreviousTokenValidUntil = server.PreviousTokenExpiresAt,
            RevokedAt = server.RevokedAt,
        };
    }
}
