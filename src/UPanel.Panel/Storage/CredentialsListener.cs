using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace UPanel.Panel.Storage;

/// <summary>
/// Keeps one connection to PostgreSQL listening on <see cref="Channel"/>, where the trigger on <c>servers</c> tells every
/// panel of each committed change to what <see cref="CredentialsCache"/> keeps, whoever made it (another panel, a script;
/// Migrations/postgres/018_credentials_changed_notify.sql). Each notification forgets the cache. The cache is used only
/// while this listens: until LISTEN succeeded, and from any failure of the connection until it listens again, every
/// heartbeat reads its token from the database, as before the cache (docs/decisions/ingest-throughput.md, PostgreSQL,
/// fourteenth pass).
/// </summary>
internal sealed class CredentialsListener(PostgresDialect dialect, CredentialsCache cache, TimeProvider time, ILogger<CredentialsListener> logger) : BackgroundService
{
    /// <summary>The channel the trigger notifies (its payload is empty: forget all).</summary>
    public const string Channel = "upanel_credentials";

    /// <summary>A connection quiet this long is asked a <c>SELECT 1</c>, so a peer gone without a word is noticed.</summary>
    private static readonly TimeSpan ProbeAfter = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(30);

    private volatile bool _listening;
    private int _processId;
    private long _notifications;

    /// <summary>Whether the cache is in use: LISTEN succeeded on a connection that has not failed since.</summary>
    public bool Listening => _listening;

    /// <summary>The listening connection's backend process id (0 when none), for tests that end it.</summary>
    public int ProcessId => Volatile.Read(ref _processId);

    /// <summary>Notifications received since start (tests wait on it).</summary>
    public long Notifications => Interlocked.Read(ref _notifications);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failed = false;
        var retry = FirstRetry;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dialect.OpenListenerAsync(stoppingToken);
                connection.Notification += (_, _) =>
                {
                    cache.Forget();
                    Interlocked.Increment(ref _notifications);
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                // From here every committed change is told; one made before (while nothing listened) is read from now on.
                cache.Resume();
                Volatile.Write(ref _processId, connection.ProcessID);
                _listening = true;
                Log.CredentialsListening(logger);
                failed = false;
                retry = FirstRetry;
                while (true)
                {
                    if (!await connection.WaitAsync(ProbeAfter, stoppingToken))
                    {
                        await using var probe = new NpgsqlCommand("SELECT 1", connection) { CommandTimeout = 10 };
                        await probe.ExecuteScalarAsync(stoppingToken);
                    }
                }
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                // Changes may now go untold: every heartbeat reads its token until this listens again. Said once per failure,
                // not once per attempt.
                cache.Suspend();
                _listening = false;
                Volatile.Write(ref _processId, 0);
                if (!failed)
                {
                    Log.CredentialsNotListening(logger, exception);
                    failed = true;
                }
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }

            try
            {
                await Task.Delay(retry, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, LongestRetry.Ticks));
        }

        cache.Suspend();
        _listening = false;
    }
}
