using UPanel.Agent.Reporting;
using UPanel.Contracts;

namespace UPanel.Agent.Tests.Reporting;

public sealed class HeartbeatQueueTests
{
    [Fact]
    public void Queue_returns_heartbeats_oldest_first()
    {
        var queue = new HeartbeatQueue();
        queue.Enqueue(Heartbeat(1));
        queue.Enqueue(Heartbeat(2));

        Assert.True(queue.TryPeek(out var first));
        Assert.Equal(1, first.Seq);
        queue.RemoveOldest();
        Assert.True(queue.TryPeek(out var second));
        Assert.Equal(2, second.Seq);
        queue.RemoveOldest();
        Assert.False(queue.TryPeek(out _));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void Full_queue_drops_the_oldest_and_counts_it()
    {
        var queue = new HeartbeatQueue();
        for (var seq = 1; seq <= 10; seq++)
        {
            Assert.Null(queue.Enqueue(Heartbeat(seq)));
        }

        var dropped = queue.Enqueue(Heartbeat(11));

        Assert.Equal(1, dropped?.Seq);
        Assert.Equal(10, queue.Count);
        Assert.Equal(1, queue.DroppedCount);
        Assert.True(queue.TryPeek(out var oldest));
        Assert.Equal(2, oldest.Seq);
    }

    private static Heartbeat Heartbeat(long seq) => new()
    {
        ServerId = "s",
        Timestamp = DateTimeOffset.UnixEpoch,
        Metrics = new HostMetrics(),
        AgentVersion = "1.0.0",
        Seq = seq,
    };
}
