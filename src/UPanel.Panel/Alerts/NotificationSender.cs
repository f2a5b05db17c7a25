using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace UPanel.Panel.Alerts;

/// <summary>
/// Delivers the outbox: leases what is due, posts it, and marks it delivered, or schedules the next attempt (10 s
/// doubling to an hour, at most <see cref="MaxAttempts"/>). Woken at once when an evaluation wrote notifications, and
/// every <see cref="PollInterval"/> for retries and for what another panel wrote. A dead channel delays only itself.
/// Panels sharing a database lease from one outbox, so each notification goes out once whichever panel sends it.
/// </summary>
internal sealed class NotificationSender(AlertStore alerts, EmailSender email, TimeProvider time, ILogger<NotificationSender> logger) : BackgroundService
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(10);
    public const int MaxAttempts = 12;

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = RequestTimeout };
    private long _roundsBegun;
    private long _roundsEnded;

    /// <summary>
    /// How many rounds (send whatever is due until nothing is) have begun and ended. A round reads the clock after it
    /// is counted as begun, so once a round begun after some moment has ended, everything due at that moment's clock
    /// has been sent or rescheduled: the way to know that nothing more is sent without waiting a fixed time.
    /// </summary>
    public (long Begun, long Ended) Rounds => (Interlocked.Read(ref _roundsBegun), Interlocked.Read(ref _roundsEnded));

    /// <summary>Something is due now (an evaluation just wrote notifications, or the poll's timer ticked).</summary>
    public void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already woken.
        }
    }

    public override void Dispose()
    {
        _http.Dispose();
        _wake.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The poll's timer ticks on its own rather than being set after each round of sends: time spent sending counts
        // toward the next poll, and a clock moved between a round and its wait (a test's fake one, right after it saw an
        // attempt fail) still finds the timer it has to fire. A delay computed from a clock read would start after the
        // move and come a whole move late.
        using var polls = time.CreateTimer(_ => Wake(), null, PollInterval, PollInterval);
        while (!stoppingToken.IsCancellationRequested)
        {
            Interlocked.Increment(ref _roundsBegun);
            try
            {
                while (await SendDueAsync(stoppingToken) > 0)
                {
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                Log.SenderFailed(logger, exception);
            }

            Interlocked.Increment(ref _roundsEnded);
            try
            {
                await _wake.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<int> SendDueAsync(CancellationToken cancellationToken)
    {
        // One at a time, each leased just before it is sent: a lease taken for a batch would run out while the batch's
        // last ones waited behind slow channels, and another panel would take and send them again.
        var now = time.GetUtcNow();
        var due = await alerts.ClaimAsync(now, now + Lease, 1, cancellationToken);
        foreach (var notification in due)
        {
            await SendAsync(notification, now, cancellationToken);
        }

        return due.Count;
    }

    /// <param name="claimedAt">When this attempt was leased: the next one is due a retry delay after it, however long this one took.</param>
    private async Task SendAsync(Notification notification, DateTimeOffset claimedAt, CancellationToken cancellationToken)
    {
        if (await PostAsync(notification, cancellationToken) is not { } error)
        {
            await alerts.DeliveredAsync(notification.OutboxId, time.GetUtcNow(), cancellationToken);
            Log.Delivered(logger, notification.Event.Id, notification.Channel.Kind, notification.Channel.Id, notification.Attempt);
            return;
        }

        if (notification.Attempt >= MaxAttempts)
        {
            Log.GaveUp(logger, notification.Event.Id, notification.Channel.Kind, notification.Channel.Id, notification.Attempt, error);
            await alerts.FailedAsync(notification.OutboxId, DateTimeOffset.MaxValue.AddYears(-1), $"gave up: {error}", cancellationToken);
            return;
        }

        var delay = RetryDelay(notification.Attempt);
        Log.DeliveryFailed(logger, notification.Event.Id, notification.Channel.Kind, notification.Channel.Id, notification.Attempt, error, (long)delay.TotalSeconds);
        await alerts.FailedAsync(notification.OutboxId, claimedAt + delay, error, cancellationToken);
    }

    /// <summary>Posts (or mails) one notification: null when the channel took it (2xx), else why not, as the delivery log shows it.</summary>
    public async Task<string?> PostAsync(Notification notification, CancellationToken cancellationToken)
    {
        if (notification.Channel.Email is { } settings)
        {
            return await email.SendAsync(notification, settings, cancellationToken);
        }

        try
        {
            using var request = NotificationPayload.Request(notification, time.GetUtcNow());
            using var response = await _http.SendAsync(request, cancellationToken);
            return response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode}";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return e is TaskCanceledException ? $"no answer within {RequestTimeout.TotalSeconds:0} s" : e.Message;
        }
    }

    /// <summary>After attempt n: 10 s × 2^(n−1), at most an hour.</summary>
    public static TimeSpan RetryDelay(int attempt) =>
        TimeSpan.FromTicks(Math.Min(FirstRetry.Ticks << Math.Min(attempt - 1, 20), TimeSpan.FromHours(1).Ticks));
}
