using System.Collections.Concurrent;

namespace UPanel.Agent.Tests;

/// <summary>
/// A clock (the system's, or the one given, e.g. a <c>FakeTimeProvider</c>) recording the due time of every timer
/// created on it (<c>Task.Delay(t, provider)</c> and <c>new CancellationTokenSource(t, provider)</c> are ones), so a
/// test can assert how many waits of which length were made, instead of timing them on a shared machine.
/// </summary>
internal sealed class TimerRecordingTimeProvider(TimeProvider? inner = null) : TimeProvider
{
    private readonly TimeProvider _inner = inner ?? System;
    private readonly ConcurrentQueue<TimeSpan> _dueTimes = new();

    public IReadOnlyList<TimeSpan> DueTimes => [.. _dueTimes];

    public void Clear() => _dueTimes.Clear();

    public override DateTimeOffset GetUtcNow() => _inner.GetUtcNow();

    public override long GetTimestamp() => _inner.GetTimestamp();

    public override long TimestampFrequency => _inner.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => _inner.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        _dueTimes.Enqueue(dueTime);
        return _inner.CreateTimer(callback, state, dueTime, period);
    }
}
