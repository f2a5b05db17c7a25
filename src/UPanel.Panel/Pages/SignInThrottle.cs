using System.Globalization;
using System.Net;
using UPanel.Panel.Storage;

namespace UPanel.Panel.Pages;

/// <summary>
/// Failed sign-ins per client address: after <see cref="MaxFailures"/> within <see cref="Window"/> the address is
/// refused (429) until the window ends, whatever key it sends. Counted in the database, so panels sharing one
/// PostgreSQL database count together: spreading attempts over several panels gains nothing.
/// </summary>
internal sealed class SignInThrottle(SqlDialect dialect, TimeProvider time)
{
    public const int MaxFailures = 5;

    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    /// <summary>How long the address must wait before it may try again; null when it may try now.</summary>
    public async Task<TimeSpan?> RetryAfterAsync(IPAddress? address, CancellationToken cancellationToken)
    {
        if (address is null)
        {
            return null;
        }

        var now = time.GetUtcNow();
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT window_start FROM sign_in_failures WHERE address = @address AND failures >= @max AND window_start > @since";
        Db.Add(command, "address", Key(address));
        Db.Add(command, "max", MaxFailures);
        Db.Add(command, "since", now - Window);
        return await command.ExecuteScalarAsync(cancellationToken) is { } start
            ? DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(start, CultureInfo.InvariantCulture)) + Window - now
            : null;
    }

    public async Task FailedAsync(IPAddress? address, CancellationToken cancellationToken)
    {
        if (address is null)
        {
            return;
        }

        var now = time.GetUtcNow();
        using var turn = await dialect.WriteTurnAsync(cancellationToken);
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // One statement, so failures arriving at several panels at once are all counted; a window that has ended starts over.
        await using (var count = connection.CreateCommand())
        {
            count.Transaction = transaction;
            count.CommandText = """
                INSERT INTO sign_in_failures (address, failures, window_start) VALUES (@address, 1, @now)
                ON CONFLICT (address) DO UPDATE SET
                    failures = CASE WHEN sign_in_failures.window_start <= @since THEN 1 ELSE sign_in_failures.failures + 1 END,
                    window_start = CASE WHEN sign_in_failures.window_start <= @since THEN @now ELSE sign_in_failures.window_start END
                """;
            Db.Add(count, "address", Key(address));
            Db.Add(count, "now", now);
            Db.Add(count, "since", now - Window);
            await count.ExecuteNonQueryAsync(cancellationToken);
        }

        // Bounded: windows that have ended are forgotten.
        await using (var forget = connection.CreateCommand())
        {
            forget.Transaction = transaction;
            forget.CommandText = "DELETE FROM sign_in_failures WHERE window_start <= @since";
            Db.Add(forget, "since", now - Window);
            await forget.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task SucceededAsync(IPAddress? address, CancellationToken cancellationToken)
    {
        if (address is null)
        {
            return;
        }

        using var turn = await dialect.WriteTurnAsync(cancellationToken);
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM sign_in_failures WHERE address = @address";
        Db.Add(command, "address", Key(address));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    // An IPv4 client on a dual-stack socket is one address whichever way it arrives.
    private static string Key(IPAddress address) => (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
}
