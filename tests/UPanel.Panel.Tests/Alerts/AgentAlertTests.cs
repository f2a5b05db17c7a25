using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using UPanel.Contracts;
using UPanel.Panel.Alerts;
using UPanel.Panel.Tests.Infrastructure;
using UPanel.Panel.Tests.Pages;

namespace UPanel.Panel.Tests.Alerts;

/// <summary>
/// Issue 14's scenarios with real parts: the Native AOT agent reporting the real Docker engine's containers to a panel
/// on the real clock, which sends to a webhook receiver on 127.0.0.1. bench/alert-latency.sh times the same scenarios;
/// here they are asserted on values only.
/// </summary>
public sealed class AgentAlertTests(AgentAlertsFixture fixture) : IClassFixture<AgentAlertsFixture>
{
    private const string Image = DockerCli.Image;

    private PanelHost Panel => fixture.Panel;

    [Fact]
    public async Task Containers_that_fail_exit_oom_or_restart_in_a_loop_are_sent_once_each_and_a_docker_stop_is_not()
    {
        RequiredServices.Docker();
        var (serverId, envFile) = await fixture.NewServerAsync("alerts-containers");
        using var agent = await fixture.StartAgentAsync(envFile, docker: true);
        await EvaluatedAsync(serverId, containers => containers is not null, "the agent's first container list");

        string[] names = await Task.WhenAll(
            fixture.RunContainerAsync("stopped", [], "sleep", "600"),
            fixture.RunContainerAsync("exit1", [], "sh", "-c", "sleep 3; exit 1"),
            // tail reads /dev/zero as one endless line: it allocates until the kernel kills it. The shell outlives it by
            // a second and exits as it did: when the killed process is the container's last one, containerd (1.6, cgroup
            // v1) may find its cgroup already gone and drop the OOM notification, and the engine then says nothing of it
            // (3 of 260 such kills here: docs/decisions/oom-killed-from-events.md).
            fixture.RunContainerAsync("oom", ["--memory", "8m"], "sh", "-c", "sleep 3; tail /dev/zero; sleep 1; exit 137"),
            fixture.RunContainerAsync("loop", ["--restart", "always"], "sh", "-c", "exit 1"));
        var (stopped, failing, oom, loop) = (names[0], names[1], names[2], names[3]);

        // A stop by the user (`docker stop`: SIGTERM, which sleep as PID 1 ignores, then SIGKILL: 137) after the panel saw it run.
        await EvaluatedAsync(serverId, c => c?.GetValueOrDefault(stopped)?.Status == "running", $"{stopped} running");
        await DockerCli.RunAsync("stop", "-t", "1", stopped);

        var exited = await FiringAsync(serverId, failing);
        Assert.Equal(exited.SignatureWith(fixture.Secret), exited.Headers[NotificationPayload.SignatureHeader]);
        var body = exited.Json;
        Assert.Equal("container_exited", body.GetProperty("kind").GetString());
        Assert.Equal(serverId, body.GetProperty("server_id").GetString());
        Assert.Equal("alerts-containers", body.GetProperty("hostname").GetString());
        Assert.Equal($"container {failing} ({Image}) exited with code 1", body.GetProperty("summary").GetString());

        var killed = await FiringAsync(serverId, oom);
        Assert.Equal("container_oom_killed", killed.Json.GetProperty("kind").GetString());
        Assert.Equal($"container {oom} ({Image}) was killed for running out of memory (exit code 137)", killed.Json.GetProperty("summary").GetString());
        var reported = (await Panel.AdminGetAsync($"/api/admin/servers/{serverId}/containers")).GetProperty("containers").EnumerateArray()
            .Single(c => c.GetProperty("name").GetString() == oom);
        Assert.True(reported.GetProperty("oom_killed").GetBoolean());
        Assert.Equal(137, reported.GetProperty("exit_code").GetInt32());

        var looping = await FiringAsync(serverId, loop);
        Assert.Equal("container_restart_loop", looping.Json.GetProperty("kind").GetString());
        Assert.StartsWith($"container {loop} ({Image}) restarted ", looping.Json.GetProperty("summary").GetString(), StringComparison.Ordinal);

        // The loop goes on: another restart seen by the rules, and the user's stop too, still make one alert for the
        // loop and none for the stop. The engine restarts it after a delay that doubles up to a minute (0.1 s, 0.2 s,
        // ... 51.2 s, then 60 s), so a test that got here late (a slow OOM kill) can wait that minute for the engine
        // alone: its next restart is awaited from the engine past that bound, then the panel's view of it as usual.
        var restartsAtAlert = (await EvaluatedAsync(serverId, c => c?.GetValueOrDefault(loop)?.RestartCount is not null, "the loop's restart count"))[loop].RestartCount!.Value;
        await DockerCli.WaitForAsync(
            loop, "{{.RestartCount}}", count => int.Parse(count, System.Globalization.CultureInfo.InvariantCulture) > restartsAtAlert, TimeSpan.FromSeconds(90));
        await EvaluatedAsync(
            serverId,
            c => c?.GetValueOrDefault(loop)?.RestartCount > restartsAtAlert && c?.GetValueOrDefault(stopped)?.Status == "exited",
            "another restart of the loop and the stopped container");
        var events = await EventsAsync(serverId);
        Assert.Equal(
            [("container_exited", failing), ("container_restart_loop", loop), ("container_oom_killed", oom)],
            events.Where(e => e.Container?.StartsWith(fixture.Prefix, StringComparison.Ordinal) == true)
                .Select(e => (e.Kind, e.Container!)).OrderBy(e => e.Item2, StringComparer.Ordinal));
        Assert.All(events.Where(e => e.Container?.StartsWith(fixture.Prefix, StringComparison.Ordinal) == true), e => Assert.Equal("firing", e.State));
        Assert.Equal(137, int.Parse(await DockerCli.InspectAsync(stopped, "{{.State.ExitCode}}"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Single(fixture.Receiver.Received, r => About(r, serverId, loop));
        Assert.DoesNotContain(fixture.Receiver.Received, r => About(r, serverId, stopped));

        // The alerts page shows them firing (kept as artifacts/alerts-real-agent.png: what a person sees after this).
        var (playwright, browser) = await Browser.LaunchAsync();
        using (playwright)
        await using (browser)
        {
            var page = await browser.NewPageAsync();
            await Browser.SignInAsync(page, Panel.BaseAddress, Panel.AdminKey);
            await page.GotoAsync(new Uri(Panel.BaseAddress, "/alerts").ToString());
            var firing = new List<(string, string, string)>();
            foreach (var row in await page.Locator("#firing tbody tr").AllAsync())
            {
                var cells = (await row.Locator("td").AllInnerTextsAsync()).Select(c => c.Trim()).ToList();
                if (cells[2].StartsWith(fixture.Prefix, StringComparison.Ordinal))
                {
                    firing.Add((cells[0], cells[1], cells[2]));
                }
            }

            Assert.Equal(
                [("alerts-containers", "Container exited", failing), ("alerts-containers", "Container restart loop", loop), ("alerts-containers", "Container OOM killed", oom)],
                firing.OrderBy(f => f.Item3, StringComparer.Ordinal));
            await page.ScreenshotAsync(new() { Path = Browser.ArtifactPath("alerts-real-agent.png"), FullPage = true });
        }
    }

    [Fact]
    public async Task A_stopped_agent_is_offline_after_three_intervals_and_back_on_its_return_and_a_restart_inside_them_is_nothing()
    {
        var (quiet, quietEnv) = await fixture.NewServerAsync("alerts-quiet");
        var (brief, briefEnv) = await fixture.NewServerAsync("alerts-brief");
        var quietAgent = await fixture.StartAgentAsync(quietEnv, docker: false);
        var briefAgent = await fixture.StartAgentAsync(briefEnv, docker: false);
        await LastSeenAsync(quiet, age => age is not null);
        await LastSeenAsync(brief, age => age is not null);

        Assert.Equal(0, await quietAgent.TerminateAsync());
        Assert.Equal(0, await briefAgent.TerminateAsync());

        // Back after more than an interval without a heartbeat, well inside the three.
        await LastSeenAsync(brief, age => age > TimeSpan.FromSeconds(AgentAlertsFixture.IntervalSeconds));
        using var briefAgain = await fixture.StartAgentAsync(briefEnv, docker: false);

        // Offline when three intervals (15 s) have passed since the last heartbeat.
        var offline = Assert.Single(await fixture.Receiver.WaitForAsync(r => r.IsFor(quiet), 1, seconds: 60));
        Assert.Equal(offline.SignatureWith(fixture.Secret), offline.Headers[NotificationPayload.SignatureHeader]);
        Assert.Equal("alert.firing", offline.Json.GetProperty("event").GetString());
        Assert.Equal("server_offline", offline.Json.GetProperty("kind").GetString());
        Assert.Equal("alerts-quiet", offline.Json.GetProperty("hostname").GetString());
        Assert.EndsWith($"(offline after 3 intervals of {AgentAlertsFixture.IntervalSeconds} s)", offline.Json.GetProperty("summary").GetString(), StringComparison.Ordinal);

        using var quietAgain = await fixture.StartAgentAsync(quietEnv, docker: false);
        var both = await fixture.Receiver.WaitForAsync(r => r.IsFor(quiet), 2);
        Assert.Equal("alert.resolved", both[1].Json.GetProperty("event").GetString());
        Assert.Equal("heartbeats are arriving again", both[1].Json.GetProperty("summary").GetString());

        // The brief one's heartbeats were evaluated as they came, and its grace timer moved with each.
        Assert.Equal([("server_offline", "resolved"), ("server_offline", "firing")], (await EventsAsync(quiet)).Select(e => (e.Kind, e.State)));
        Assert.Empty(await EventsAsync(brief));
        Assert.DoesNotContain(fixture.Receiver.Received, r => r.IsFor(brief));
    }

    private static bool About(Received received, string serverId, string container) =>
        received.IsFor(serverId) && received.Json.TryGetProperty("container", out var c) && c.GetString() == container;

    private async Task<Received> FiringAsync(string serverId, string container)
    {
        IReadOnlyList<Received> matched;
        try
        {
            matched = await fixture.Receiver.WaitForAsync(r => About(r, serverId, container), 1, seconds: 60);
        }
        catch (Xunit.Sdk.FailException timedOut)
        {
            // What the engine says and what the panel was told, so a rare miss names its side (an engine that reports
            // an OOM kill as a plain exit, an agent that did not inspect it again, a rule that judged it a stop).
            var engine = await DockerCli.InspectAsync(container, "{{json .State}}");
            var reported = (await Panel.AdminGetAsync($"/api/admin/servers/{serverId}/containers")).GetProperty("containers").EnumerateArray()
                .Where(c => c.GetProperty("name").GetString() == container).Select(c => c.GetRawText()).SingleOrDefault();
            throw Xunit.Sdk.FailException.ForFailure($"{timedOut.Message}\nthe engine's state of {container}: {engine}\nthe panel's latest row for it: {reported ?? "none"}");
        }

        var received = Assert.Single(matched);
        Assert.Equal("alert.firing", received.Json.GetProperty("event").GetString());
        return received;
    }

    /// <summary>The server's alerts that fired or resolved, newest first.</summary>
    private async Task<List<(string Kind, string? Container, string State)>> EventsAsync(string serverId) =>
        [.. (await Panel.AdminGetAsync("/api/admin/alerts?limit=1000")).GetProperty("alerts").EnumerateArray()
            .Where(a => a.GetProperty("server_id").GetString() == serverId)
            .Select(a => (a.GetProperty("kind").GetString()!, a.TryGetProperty("container", out var c) ? c.GetString() : null, a.GetProperty("state").GetString()!))];

    /// <summary>Polls the containers as the rules last judged them (the alert state) until <paramref name="done"/> holds.</summary>
    private async Task<IReadOnlyDictionary<string, ContainerInfo>> EvaluatedAsync(
        string serverId, Func<IReadOnlyDictionary<string, ContainerInfo>?, bool> done, string what) =>
        (await Poll.UntilAsync(() => Panel.StoredAlertStateAsync(serverId), state => done(state.Containers), $"the panel to evaluate {what}", TimeSpan.FromSeconds(60))).Containers!;

    /// <summary>Polls how long ago the server's last heartbeat arrived (null: never) until <paramref name="done"/> holds.</summary>
    private Task LastSeenAsync(string serverId, Func<TimeSpan?, bool> done) =>
        Poll.UntilAsync(
            async () =>
            {
                var server = await Panel.AdminGetAsync($"/api/admin/servers/{serverId}");
                return server.TryGetProperty("last_seen_at", out var seen) && seen.ValueKind == JsonValueKind.String
                    ? Panel.Clock.GetUtcNow() - seen.GetDateTimeOffset()
                    : (TimeSpan?)null;
            },
            done, $"server {serverId}'s last heartbeat", TimeSpan.FromSeconds(60), age => $"{age?.TotalSeconds} s old");
}
