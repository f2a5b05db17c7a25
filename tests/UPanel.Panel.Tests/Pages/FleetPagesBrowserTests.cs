using System.Text.Json;
using Microsoft.Playwright;
using UPanel.Panel.Tests.EndToEnd;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Pages;

/// <summary>
/// The pages in headless Chromium against the panel on 127.0.0.1, fed by the real agent binary reading this host and
/// the real Docker engine, with one container made unhealthy by a failing health check.
/// </summary>
public sealed class FleetPagesBrowserTests : BrowserTests
{
    private readonly string _prefix = $"upanel-pages-{Guid.NewGuid().ToString("N")[..6]}";
    private readonly List<string> _containers = [];
    private readonly CancellationTokenSource _clock = new();
    private Task _clockTask = Task.CompletedTask;

    public override async ValueTask InitializeAsync()
    {
        RequiredServices.Docker();
        await base.InitializeAsync();
        // The panel's clock follows the real one: the agent stamps its samples with real time.
        _clockTask = Task.Run(async () =>
        {
            while (!_clock.IsCancellationRequested)
            {
                var now = DateTimeOffset.UtcNow;
                if (now > Panel.Time.GetUtcNow())
                {
                    Panel.Time.SetUtcNow(now);
                }

                await Task.Delay(200);
            }
        });
    }

    [Fact]
    public async Task Overview_detail_charts_containers_and_token_rotation_with_the_real_agent()
    {
        var unhealthy = await DockerCli.StartAsync($"{_prefix}-sick", ["--health-cmd", "false", "--health-interval", "1s", "--health-retries", "1"], "sleep", "3600");
        _containers.Add(unhealthy);
        _containers.Add(await DockerCli.StartAsync($"{_prefix}-fine", [], "sleep", "3600"));
        await DockerCli.WaitForAsync(unhealthy, "{{.State.Health.Status}}", s => s == "unhealthy", TimeSpan.FromSeconds(60));

        var envFile = Path.Combine(DataDirectory, "agent.env");
        var (registerExit, registerOutput) = await AgentProcess.RunAsync(
            ["register", "--panel-url", Panel.BaseAddress.ToString(), "--env-file", envFile],
            new Dictionary<string, string> { ["INSTALL_TOKEN"] = await Panel.CreateInstallTokenAsync() });
        Assert.True(registerExit == 0, registerOutput);
        var serverId = File.ReadAllLines(envFile).Single(l => l.StartsWith("SERVER_ID=", StringComparison.Ordinal))["SERVER_ID=".Length..];
        using (var settings = await Panel.SendAsync(HttpMethod.Post, $"/api/admin/servers/{serverId}/settings", Panel.AdminKey, """{"next_heartbeat_seconds":5}"""))
        {
            await PanelHost.ReadJsonAsync(settings, 200);
        }

        using var agent = await AgentProcess.StartAsync(
            ["run", "--env-file", envFile, "--health-listen", "off", "--state-dir", Path.Combine(DataDirectory, "state")]);
        // Three samples, so the network chart has rates and the charts have a line.
        await Poll.UntilAsync(
            () => Panel.AdminGetAsync($"/api/admin/servers/{serverId}/heartbeats"), page => page.GetProperty("heartbeats").GetArrayLength() >= 3,
            "three heartbeats", TimeSpan.FromSeconds(90));
        var version = (await Panel.AdminGetAsync($"/api/admin/servers/{serverId}")).GetProperty("agent_version").GetString()!;

        var context = await Chromium.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 900 } });
        var browserPage = await context.NewPageAsync();
        browserPage.Dialog += (_, dialog) => dialog.AcceptAsync();
        await Browser.SignInAsync(browserPage, Panel.BaseAddress, Panel.AdminKey);

        // Overview: this host, online, its version and container count with the unhealthy one counted. A heartbeat whose
        // Docker part ran past the agent's 4 s bound (a loaded machine) carries no containers and the row says so: the
        // overview updates itself, so its row is read until it shows a heartbeat that carried them.
        var row = browserPage.Locator($"#servers tbody tr[data-id='{serverId}']");
        await row.WaitForAsync();
        Assert.Equal("online", await row.GetAttributeAsync("data-status"));
        var cells = await Poll.UntilAsync(
            () => row.Locator("td").AllTextContentsAsync(), c => c.Count > 3 && char.IsAsciiDigit(c[3].FirstOrDefault()), "an overview row with containers", TimeSpan.FromSeconds(90));
        // The host's own alerts (its unhealthy container, its disk) may be firing: "N firing" follows the name.
        Assert.Equal(Environment.MachineName, await row.Locator("a[href^='/servers/']").TextContentAsync(), ignoreCase: true);
        Assert.StartsWith(version, cells[2]);
        // The agent reports every container on this host, and other tests start and remove theirs while this one runs:
        // the count is at least this test's two, with the unhealthy one counted.
        var overviewCount = System.Text.RegularExpressions.Regex.Match(cells[3], "^[0-9]+");
        Assert.True(overviewCount.Success && int.Parse(overviewCount.Value, System.Globalization.CultureInfo.InvariantCulture) >= 2, cells[3]);
        Assert.Contains("unhealthy", cells[3]);
        await browserPage.ScreenshotAsync(new() { Path = Browser.ArtifactPath("overview.png"), FullPage = true });

        // Detail: the seed's three facts, charts drawn from data, the unhealthy container first. The page is drawn once
        // from the latest heartbeat: loaded again (a heartbeat later) until that one carried the containers.
        await row.Locator("a[href^='/servers/']").ClickAsync();
        await Poll.UntilAsync(async () =>
        {
            var count = await browserPage.TextContentAsync("#container-count");
            if (!int.TryParse(count, out _))
            {
                await Task.Delay(1000);
                await browserPage.ReloadAsync();
            }

            return count;
        }, count => int.TryParse(count, out _), "a detail page with containers", TimeSpan.FromSeconds(90));
        Assert.Equal(version, await browserPage.TextContentAsync("#agent-version"));
        Assert.EndsWith("s ago", await browserPage.TextContentAsync("#last-heartbeat"));
        await browserPage.Locator("#charts[data-loaded='1h']").WaitForAsync();
        foreach (var chart in new[] { "cpu", "ram", "disk", "load", "net" })
        {
            var box = browserPage.Locator($"#chart-{chart}");
            Assert.True(int.Parse(await box.GetAttributeAsync("data-points") ?? "0", System.Globalization.CultureInfo.InvariantCulture) >= 1, $"chart {chart} has no points");
            Assert.Equal(1, await box.Locator("canvas").CountAsync());
        }

        // The data uPlot holds: RAM total is this host's MemTotal, CPU within 0..100.
        var ramTotal = await browserPage.EvaluateAsync<double>("() => document.getElementById('chart-ram').uplot.data[2].filter(v => v !== null).pop()");
        Assert.Equal(MemTotalMib(), (long)ramTotal);
        var cpu = await browserPage.EvaluateAsync<double[]>("() => document.getElementById('chart-cpu').uplot.data[1].filter(v => v !== null)");
        Assert.All(cpu, v => Assert.InRange(v, 0, 100));
        var names = (await browserPage.Locator("#containers tbody tr td:first-child").AllTextContentsAsync()).ToList();
        // The count and the table come from the same latest heartbeat.
        Assert.Equal(names.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), await browserPage.TextContentAsync("#container-count"));
        var healths = await browserPage.Locator("#containers tbody tr td:nth-child(4)").AllTextContentsAsync();
        var sickRow = names.IndexOf($"{_prefix}-sick");
        Assert.True(sickRow >= 0, string.Join(", ", names));
        Assert.All(healths.Take(sickRow + 1), h => Assert.Equal("unhealthy", h));
        Assert.True(names.IndexOf($"{_prefix}-fine") > sickRow);
        await browserPage.ScreenshotAsync(new() { Path = Browser.ArtifactPath("detail.png"), FullPage = true });

        // Rotation from the page, end to end: the agent picks the new token up and keeps reporting with it.
        await browserPage.ClickAsync("#rotate button");
        var newToken = (await browserPage.TextContentAsync("#new-token"))!.Trim();
        Assert.Equal(64, newToken.Length);
        // By hand: a Docker agent reads its .env only when its container is created, so `docker restart` would keep the old token.
        Assert.Contains(
            "To deliver it by SSH instead: set AGENT_TOKEN in /opt/upanel-agent/.env to the token below, then have the agent read it: " +
            "cd /opt/upanel-agent && docker compose up -d (re-creates the container; docker restart keeps the old token), " +
            "or systemctl restart upanel-agent without Docker.",
            await browserPage.TextContentAsync("#rotated"));
        var before = (await Panel.AdminGetAsync($"/api/admin/servers/{serverId}")).GetProperty("latest_seq").GetInt64();
        await Poll.UntilAsync(
            () => Panel.AdminGetAsync($"/api/admin/servers/{serverId}"),
            view => !view.GetProperty("token_rotation_pending").GetBoolean() && view.GetProperty("latest_seq").GetInt64() > before + 1,
            "heartbeats with the rotated token", TimeSpan.FromSeconds(60));
        using (var withNewToken = await Panel.PostHeartbeatAsync(newToken, Panel.NewHeartbeat("someone-else")))
        {
            // The new token authenticates (a heartbeat for another server id is 403, not 401).
            Assert.Equal(System.Net.HttpStatusCode.Forbidden, withNewToken.StatusCode);
        }

        await browserPage.ClickAsync("#signout");
        Assert.EndsWith("/signin", browserPage.Url);
        Assert.Equal(0, await agent.TerminateAsync());
        Assert.DoesNotContain(newToken, agent.Output);
    }

    [Fact]
    public async Task Add_a_server_shows_a_fresh_install_token_in_the_install_command()
    {
        var page = await Chromium.NewPageAsync();
        await Browser.SignInAsync(page, Panel.BaseAddress, Panel.AdminKey);

        await page.GotoAsync(new Uri(Panel.BaseAddress, "/servers/new").ToString());
        await page.ClickAsync("#new-token-form button");

        var command = (await page.TextContentAsync("#install-command"))!;
        var prefix = $"curl -fsSL {Panel.BaseAddress.ToString().TrimEnd('/')}/install.sh | sudo sh -s -- --token ";
        Assert.StartsWith(prefix, command);
        var token = command[prefix.Length..];
        var registered = await Panel.RegisterAsync(token, "new-host", machineId: Guid.NewGuid().ToString("N"));
        Assert.Equal(26, registered.ServerId.Length);
    }

    private static long MemTotalMib() =>
        long.Parse(File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024;

    public override async ValueTask DisposeAsync()
    {
        await _clock.CancelAsync();
        await _clockTask;
        await DockerCli.RemoveAsync(_containers);
        _clock.Dispose();
        await base.DisposeAsync();
    }
}
