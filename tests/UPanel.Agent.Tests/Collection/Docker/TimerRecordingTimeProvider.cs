using System.Collections.Concurrent;

namespace UPanel.Agent.Tests.Collection.Docker;

/// <summary>
/// The system clock, recording the due time of every timer created on it (<c>Task.Delay(t, provider)</c> is one),
/// so a test can assert how many waits of which length a collection made, instead of timing it on a shared machine.
/// </summary>
internal sealed class TimerRecordingTimeProvider : TimeProvider
{
    private readonly ConcurrentQueue<TimeSpan> _dueTimes = new();

    public IReadOnlyList<TimeSpan> DueTimes => [.. _dueTimes];

    public void Clear() => _dueTimes.Clear();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        _dueTimes.Enqueue(dueTime);
        return System.CreateTimer(callback, state, dueTime, period);
    }
}
