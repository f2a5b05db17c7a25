using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using UPanel.Contracts;

namespace UPanel.Panel.Hosting;

/// <summary>
/// Makes the served document stable and self-describing: no per-request server URL (so the committed copy in
/// docs/openapi.json can be compared as is), a title, the bearer scheme, and timestamps typed as strings
/// (they are read by a custom converter the schema generator cannot see through), and on each wire type the fields
/// that are the seed's (<c>x-seed-fields</c>) apart from ours.
/// </summary>
internal static class OpenApiDocumentTransformer
{
    public const string BearerScheme = "bearer";

    /// <summary>
    /// The fields each wire type has in the seed's examples (agent-spec.md); OpenApiContractTests compares them with the
    /// seed's bodies in tests/UPanel.Panel.Tests/Fixtures/seed. The seed defines no error body.
    /// </summary>
    private static readonly Dictionary<Type, string[]> SeedFields = new()
    {
        [typeof(Heartbeat)] = ["server_id", "timestamp", "metrics", "containers", "agent_version"],
        [typeof(HostMetrics)] =
        [
            "cpu_percent", "ram_used_mb", "ram_total_mb", "disk_used_gb", "disk_total_gb", "load_average", "network_in_bytes",
            "network_out_bytes",
        ],
        [typeof(ContainerInfo)] = ["id", "name", "image", "status", "health", "uptime_seconds", "cpu_percent", "memory_mb"],
        [typeof(HeartbeatResponse)] = ["status", "server_time", "next_heartbeat_seconds"],
        [typeof(RegisterRequest)] = ["hostname", "os_version", "cpu_cores", "ram_mb", "disk_gb", "agent_version"],
        [typeof(RegisterResponse)] = ["status", "server_id", "agent_token", "panel_url"],
        [typeof(ErrorResponse)] = [],
    };

    public static Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Servers = [];
        var admin = context.DocumentName == PanelApp.AdminOpenApiDocument;
        document.Info = admin
            ? new OpenApiInfo
            {
                Title = "UPanel admin API",
                Version = "1.0.0",
                Description = "The reference panel's admin API: install tokens, servers with their latest state, history, "
                    + "containers, token rotation and revocation. Bearer: the admin key (UPANEL_ADMIN_KEY, or generated at "
                    + "first start into DATA_DIR/admin-key).",
            }
            : new OpenApiInfo
            {
                Title = "UPanel agent API",
                Version = "1.0.0",
                Description = "What an agent calls on a panel: register once with an install token, then post a heartbeat every "
                    + "next_heartbeat_seconds with the agent token. Errors are {\"status\":\"error\",\"error\":...,\"field\":...}; "
                    + "every authentication failure is the same 401. Bodies are application/json (UTF-8, gzip allowed), at most 1 MiB.",
            };
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = admin ? "the admin key" : "register: an install token; heartbeat: the agent token (64 characters).",
        };
        document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] }];
        return Task.CompletedTask;
    }

    /// <summary>Route values ({id}) that no handler parameter binds.</summary>
    public static Task TransformOperationAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var parameters = operation.Parameters ?? [];
        foreach (var segment in (context.Description.RelativePath ?? "").Split('/'))
        {
            if (segment is ['{', .. var name, '}'] && !parameters.Any(p => p.Name == name))
            {
                parameters.Add(new OpenApiParameter
                {
                    Name = name,
                    In = ParameterLocation.Path,
                    Required = true,
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                });
            }
        }

        operation.Parameters = parameters.Count > 0 ? parameters : null;
        return Task.CompletedTask;
    }

    public static Task TransformSchemaAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        if (type == typeof(DateTimeOffset) || type == typeof(DateTimeOffset?))
        {
            schema.Type = type == typeof(DateTimeOffset) ? JsonSchemaType.String : JsonSchemaType.String | JsonSchemaType.Null;
            schema.Format = "date-time";
        }

        if (SeedFields.TryGetValue(type, out var seedFields))
        {
            schema.Description = "Fields in x-seed-fields are the seed's (agent-spec.md); the others are UPanel's: optional, and a "
                + "panel written from the seed alone may ignore them (docs/compatibility.md).";
            schema.Extensions ??= new Dictionary<string, IOpenApiExtension>();
            schema.Extensions["x-seed-fields"] = new JsonNodeExtension(new JsonArray([.. seedFields.Select(f => JsonValue.Create(f))]));
        }

        return Task.CompletedTask;
    }
}
