using System.Data.Common;
using UPanel.Panel.Hosting;

namespace UPanel.Panel.Tests.Infrastructure;

/// <summary>
/// One panel per test class and storage engine (class fixture). Test classes are written once against this and
/// derived per engine, so SQLite and PostgreSQL pass the same suite.
/// </summary>
public abstract class PanelFixture : IAsyncLifetime
{
    private PanelHost? _host;
    private string? _unavailable;

    public abstract string Engine { get; }

    internal string DataDirectory { get; } = Directory.CreateTempSubdirectory("upanel-panel-test-").FullName;

    /// <summary>The running panel; skips (or, in CI, fails) the calling test when the engine is not available.</summary>
    internal PanelHost Host
    {
        get
        {
            if (_unavailable is not null)
            {
                RequiredServices.Unavailable(_unavailable);
            }

            return _host!;
        }
    }

    internal PanelOptions Options { get; private set; } = new();

    /// <summary>Whether the panel started (false when the engine is not available here).</summary>
    internal bool Started => _host is not null;

    /// <summary>A test class's own settings over the engine's, applied before the panel starts.</summary>
    internal Func<PanelOptions, PanelOptions> Configure { get; init; } = options => options;

    /// <summary>The panel runs on the real clock (for the real agent's alerts) instead of a fake one tests move.</summary>
    internal bool RealClock { get; init; }

    public virtual async ValueTask InitializeAsync()
    {
        var options = await CreateOptionsAsync();
        if (options is null)
        {
            _unavailable = UnavailableReason;
            return;
        }

        Options = Configure(options);
        _host = RealClock ? await PanelHost.StartOnRealClockAsync(Options) : await PanelHost.StartAsync(Options);
    }

    /// <summary>Null when the engine cannot be used here; <see cref="UnavailableReason"/> says why.</summary>
    internal abstract Task<PanelOptions?> CreateOptionsAsync();

    protected string UnavailableReason { get; set; } = "";

    /// <summary>A connection straight to the panel's database, for assertions on what it holds.</summary>
    internal abstract Task<DbConnection> OpenDatabaseAsync();

    /// <summary>A statement straight on the panel's database (a test's own trigger, say).</summary>
    internal async Task ExecuteAsync(string sql)
    {
        await using var connection = await OpenDatabaseAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    internal abstract string ListTablesSql { get; }

    public virtual async ValueTask DisposeAsync()
    {
        string? failure = null;
        if (_host is not null)
        {
            // A 5xx is a bug wherever it happened in the class: fail the class, showing what was logged.
            var unhandled = _host.UnhandledErrors;
            var errors = _host.Logs.GetSnapshot()
                .Where(r => r.Level >= Microsoft.Extensions.Logging.LogLevel.Error)
                .Select(r => $"{r.Message} {r.Exception}");
            failure = unhandled > 0 ? $"the panel answered {unhandled} request(s) with 500:\n{string.Join("\n", errors)}" : null;
            await _host.DisposeAsync();
        }

        await CleanUpAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }

        GC.SuppressFinalize(this);
        if (failure is not null)
        {
            throw new InvalidOperationException(failure);
        }
    }

    /// <summary>Engine-specific clean-up after the panel stopped (PostgreSQL: drop the database).</summary>
    protected virtual Task CleanUpAsync() => Task.CompletedTask;
}
