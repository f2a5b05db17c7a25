using Npgsql;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Pages;

/// <summary>The panel's PostgreSQL database disappears under a signed-in browser: the page says so, not a trace.</summary>
public sealed class DatabaseDownPageTests(PostgresPanelFixture fixture) : IClassFixture<PostgresPanelFixture>
{
    [Fact]
    public async Task With_the_database_gone_a_page_says_so_instead_of_an_error_trace()
    {
        var panel = fixture.Host;
        var (playwright, browser) = await Browser.LaunchAsync();
        using (playwright)
        await using (browser)
        {
            var page = await browser.NewPageAsync();
            await Browser.SignInAsync(page, panel.BaseAddress, panel.AdminKey);
            Assert.Equal("Servers", await page.TextContentAsync("h1"));

            var database = new NpgsqlConnectionStringBuilder(panel.Options.PostgresConnectionString).Database;
            NpgsqlConnection.ClearAllPools();
            await using (var connection = new NpgsqlConnection(Environment.GetEnvironmentVariable(RequiredServices.PostgresVariable)))
            {
                await connection.OpenAsync(TestContext.Current.CancellationToken);
                await using var drop = new NpgsqlCommand($"DROP DATABASE {database} WITH (FORCE)", connection);
                await drop.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
            }

            var response = await page.GotoAsync(new Uri(panel.BaseAddress, "/").ToString());

            Assert.Equal(503, response!.Status);
            Assert.Equal("The panel's database is unreachable", await page.TextContentAsync("h1"));
            var text = await page.TextContentAsync("main");
            Assert.DoesNotContain("Exception", text);
            Assert.DoesNotContain(database!, text);

            // The page's own poll is told the same, as an outage to retry (503), not a bug (500).
            var poll = await page.Context.APIRequest.GetAsync(new Uri(panel.BaseAddress, "/ui/servers.json").ToString());
            Assert.Equal(503, poll.Status);
            Assert.Equal("30", poll.Headers["retry-after"]);
        }
    }
}
