using System.Text.Json.Nodes;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests;

/// <summary>The committed docs/openapi.json is the served document; UPANEL_UPDATE_OPENAPI=1 rewrites it.</summary>
public sealed class OpenApiDocumentTests(SqlitePanelFixture fixture) : IClassFixture<SqlitePanelFixture>
{
    [Fact]
    public async Task Served_openapi_document_equals_the_committed_copy()
    {
        var served = await fixture.Host.Client.GetStringAsync("/openapi/v1.json", TestContext.Current.CancellationToken);
        var path = Path.Combine(RepositoryRoot(), "docs", "openapi.json");
        if (Environment.GetEnvironmentVariable("UPANEL_UPDATE_OPENAPI") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, served.ReplaceLineEndings("\n") + "\n", TestContext.Current.CancellationToken);
        }

        Assert.True(File.Exists(path), $"{path} is missing: run the tests once with UPANEL_UPDATE_OPENAPI=1");
        var committed = JsonNode.Parse(await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(served), committed),
            "docs/openapi.json differs from the served /openapi/v1.json: rerun the tests with UPANEL_UPDATE_OPENAPI=1 and commit it");
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
