using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace UPanel.Panel.Hosting;

/// <summary>
/// Makes the served document stable and self-describing: no per-request server URL (so the committed copy in
/// docs/openapi.json can be compared byte for byte), a title and the bearer scheme.
/// </summary>
internal static class OpenApiDocumentTransformer
{
    public static Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Servers = [];
        document.Info = new OpenApiInfo
        {
            Title = "UPanel agent API",
            Version = "1.0.0",
            Description = "What an agent calls on a panel: register once with an install token, then post a heartbeat every next_heartbeat_seconds with the agent token. Errors are {status:\"error\", error, field}; every authentication failure is the same 401.",
        };
        return Task.CompletedTask;
    }
}
