using System.Diagnostics;

namespace UPanel.Agent.Http;

/// <summary>
/// Whether the current thread may wait for a response in a blocking <c>poll(2)</c> instead of handing the wait to the
/// socket engine's thread and resuming on a thread-pool worker. The heartbeat loop's own thread may
/// (<see cref="Reporting.Reporter.RunOnOwnThread"/>): its requests then complete on that thread, without the thread
/// wake-ups a hand-off costs (the socket thread, a worker, the pool's gate thread), which on this machine were most of
/// the agent's CPU per heartbeat (docs/decisions/one-thread-per-heartbeat.md). Every other thread (the event stream,
/// /health) keeps asynchronous reads: a blocking one there would hold a thread-pool worker while the peer is quiet.
/// </summary>
internal static class BlockingReads
{
    [ThreadStatic]
    private static bool _allowed;

    [ThreadStatic]
    private static long _deadline;

    [ThreadStatic]
    private static CancellationTokenSource? _onDeadline;

    /// <summary>True on a thread that called <see cref="AllowOnThisThread"/>.</summary>
    public static bool Allowed => _allowed;

    /// <summary>For a thread of the agent's own that does nothing else while its request waits.</summary>
    public static void AllowOnThisThread() => _allowed = true;

    /// <summary>
    /// A timeout of <paramref name="timeout"/> on <paramref name="bound"/> for <paramref name="work"/>, without a timer
    /// while the work runs on this thread: its blocking waits cancel <paramref name="bound"/> themselves at the deadline
    /// (<see cref="WaitMilliseconds"/>), and only if the work still has to wait elsewhere (a new connection, a TLS
    /// handshake) is the timer armed, for what is left. A timer armed and cancelled every heartbeat still wakes the
    /// timer thread and a thread-pool worker at its due time. On other threads the caller's own timer does it:
    /// <paramref name="bound"/> must then be armed already (see <see cref="NewBound"/>).
    /// </summary>
    public static Task<T> Bound<T>(CancellationTokenSource bound, TimeSpan timeout, Func<Task<T>> work)
    {
        if (!_allowed)
        {
            return work();
        }

        var started = Stopwatch.GetTimestamp();
        var (deadline, onDeadline) = (_deadline, _onDeadline);
        _deadline = started + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        _onDeadline = bound;
        Task<T> task;
        try
        {
            task = work();
        }
        finally
        {
            (_deadline, _onDeadline) = (deadline, onDeadline);
        }

        if (!task.IsCompleted)
        {
            var left = timeout - Stopwatch.GetElapsedTime(started);
            bound.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        }

        return task;
    }

    /// <summary>The source for <see cref="Bound"/>: armed now on <paramref name="time"/> unless this thread may block.</summary>
    public static CancellationTokenSource NewBound(TimeSpan timeout, TimeProvider time) =>
        _allowed ? new CancellationTokenSource() : new CancellationTokenSource(timeout, time);

    /// <summary>
    /// How long the next blocking wait may last: <paramref name="slice"/> at most, less when the deadline of
    /// <see cref="Bound"/> is nearer; 0 once it has passed, after cancelling its source.
    /// </summary>
    public static int WaitMilliseconds(int slice)
    {
        if (_onDeadline is not { } onDeadline)
        {
            return slice;
        }

        var left = (_deadline - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency;
        if (left <= 0)
        {
            onDeadline.Cancel();
            return 0;
        }

        return (int)Math.Min(slice, left);
    }
}
