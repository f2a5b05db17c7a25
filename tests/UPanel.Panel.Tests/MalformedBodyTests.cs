using System.Net.Http.Headers;
using System.Text.Json;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests;

public abstract class MalformedBodyTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : PanelFixture
{
    private PanelHost Panel => fixture.Host;

    [Fact]
    public async Task Malformed_heartbeats_get_the_expected_4xx_naming_the_problem_and_write_nothing()
    {
        var server = await Panel.NewServerAsync();
        var valid = Panel.NewHeartbeat(server.ServerId, seq: 1);
        var corpus = MalformedBodies.Heartbeats(valid, Panel.Options.MaxBodyBytes).ToList();
        Assert.True(corpus.Count >= 100, $"only {corpus.Count} cases");
        var before = await DatabaseSnapshot.TakeAsync(fixture);

        var failures = await RunAsync("/api/agent/heartbeat", server.AgentToken, corpus);

        Assert.True(failures.Count == 0, $"{failures.Count} of {corpus.Count} cases failed:\n" + string.Join("\n", failures));
        Assert.Equal(before, await DatabaseSnapshot.TakeAsync(fixture));
        Assert.Equal(0, Panel.UnhandledErrors);
        // The same server still accepts a good heartbeat afterwards.
        await Panel.HeartbeatOkAsync(server.AgentToken, valid);
    }

    [Fact]
    public async Task Malformed_registrations_get_a_4xx_and_leave_the_install_token_unused()
    {
        var installToken = await Panel.CreateInstallTokenAsync();
        var corpus = MalformedBodies.Registrations(PanelHost.RegisterBody("corpus-host", "machine-corpus")).ToList();
        var before = await DatabaseSnapshot.TakeAsync(fixture);

        var failures = await RunAsync("/api/agent/register", installToken, corpus);

        Assert.True(failures.Count == 0, $"{failures.Count} of {corpus.Count} cases failed:\n" + string.Join("\n", failures));
        Assert.Equal(before, await DatabaseSnapshot.TakeAsync(fixture));
        Assert.Equal(0, Panel.UnhandledErrors);
        await Panel.RegisterAsync(installToken, "corpus-host", "machine-corpus");
    }

    private async Task<List<string>> RunAsync(string path, string token, IReadOnlyList<MalformedCase> corpus)
    {
        var failures = new List<string>();
        foreach (var item in corpus)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(item.Body) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            if (item.ContentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", item.ContentType);
            }

            if (item.ContentEncoding is not null)
            {
                request.Content.Headers.ContentEncoding.Add(item.ContentEncoding);
            }

            HttpResponseMessage response;
            try
            {
                response = await Panel.Client.SendAsync(request, TestContext.Current.CancellationToken);
            }
            catch (HttpRequestException exception)
            {
                failures.Add($"{item.Name}: no response ({exception.Message} {exception.InnerException?.Message})");
                continue;
            }

            using var disposeResponse = response;
            var text = await response.Content.ReadAsStringAsync();
            var status = (int)response.StatusCode;
            if (status != item.ExpectedStatus)
            {
                failures.Add($"{item.Name}: expected {item.ExpectedStatus}, got {status}: {Shorten(text)}");
                continue;
            }

            if (!IsErrorResponse(text, out var field))
            {
                failures.Add($"{item.Name}: {status} without an ErrorResponse body: '{Shorten(text)}'");
            }
            else if (text.Contains("System.", StringComparison.Ordinal) || text.Contains("UPanel.", StringComparison.Ordinal))
            {
                failures.Add($"{item.Name}: the error leaks .NET type names: {Shorten(text)}");
            }
            else if (item.ExpectedField is { } expected && !(field ?? "").StartsWith(expected, StringComparison.Ordinal))
            {
                failures.Add($"{item.Name}: field '{field}' does not name {expected}: {Shorten(text)}");
            }
        }

        return failures;
    }

    private static bool IsErrorResponse(string text, out string? field)
    {
        field = null;
        try
        {
            using var error = JsonDocument.Parse(text);
            field = error.RootElement.TryGetProperty("field", out var named) ? named.GetString() : null;
            return error.RootElement.GetProperty("status").GetString() == "error"
                && error.RootElement.GetProperty("error").GetString() is { Length: > 0 };
        }
        catch (Exception exception) when (exception is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return false;
        }
    }

    private static string Shorten(string text) => text.Length > 200 ? text[..200] + "..." : text;
}
