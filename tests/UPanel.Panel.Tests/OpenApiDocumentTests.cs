using System.Text.Json.Nodes;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests;

/// <summary>The committed docs/openapi*.json are the served documents; UPANEL_UPDATE_OPENAPI=1 rewrites them.</summary>
public sealed class OpenApiDocumentTests(SqlitePanelFixture fixture) : IClassFixture<SqlitePanelFixture>
{
    [Theory]
    [InlineData("v1", "openapi.json")]
    [InlineData("admin", "openapi-admin.json")]
    public async Task Served_openapi_document_equals_the_committed_copy(string document, string file)
    {
        var served = await fixture.Host.Client.GetStringAsync($"/openapi/{document}.json", TestContext.Current.CancellationToken);
        var path = Path.Combine(RepositoryRoot(), "docs", file);
        if (Environment.GetEnvironmentVariable("UPANEL_UPDATE_OPENAPI") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, served.ReplaceLineEndings("\n") + "\n", TestContext.Current.CancellationToken);
        }

        Assert.True(File.Exists(path), $"{path} is missing: run the tests once with UPANEL_UPDATE_OPENAPI=1");
        var committed = JsonNode.Parse(await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(served), committed),
            $"docs/{file} differs from the served /openapi/{document}.json: rerun the tests with UPANEL_UPDATE_OPENAPI=1 and commit it");
    }

    [Fact]
    public async Task Openapi_document_describes_both_agent_endpoints_with_snake_case_schemas()
    {
        var document = JsonNode.Parse(await fixture.Host.Client.GetStringAsync("/openapi/v1.json", TestContext.Current.CancellationToken))!;

        var paths = document["paths"]!.AsObject().Select(p => p.Key).Order();
        Assert.Equal(["/api/agent/heartbeat", "/api/agent/register"], paths);
        var heartbeat = document["components"]!["schemas"]!["Heartbeat"]!;
        Assert.Equal("integer", heartbeat["properties"]!["seq"]!["type"]!.AsArray().Last()!.GetValue<string>());
        Assert.NotNull(document["components"]!["schemas"]!["HeartbeatResponse"]!["properties"]!["new_agent_token"]);
        Assert.Equal("string", heartbeat["properties"]!["timestamp"]!["type"]!.AsArray().Last()!.GetValue<string>());
        Assert.Equal("bearer", document["components"]!["securitySchemes"]!["bearer"]!["scheme"]!.GetValue<string>());
    }

    [Fact]
    public async Task Admin_openapi_document_lists_the_admin_endpoints_only()
    {
        var document = JsonNode.Parse(await fixture.Host.Client.GetStringAsync("/openapi/admin.json", TestContext.Current.CancellationToken))!;

        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Contains("/api/admin/servers/{id}/rotate-token", paths);
        Assert.Contains("/api/admin/install-tokens", paths);
        Assert.DoesNotContain(paths, p => p.StartsWith("/api/agent/", StringComparison.Ordinal));
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "UPanel.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("UPanel.slnx not found above " + AppContext.BaseDirectory);
    }
}
