using Microsoft.Extensions.Time.Testing;
using UPanel.Agent.Http;

namespace UPanel.Agent.Tests.Http;

/// <summary>
/// A connect that never completes, produced on loopback: a listener that never accepts and whose accept queue is
/// full makes the kernel drop further SYNs, so the next connect hangs in SYN retransmission.
/// </summary>
public sealed class Http1ClientConnectTimeoutTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_connect_that_never_completes_fails_after_the_connect_timeout_naming_the_host()
    {
        using var queue = await FullAcceptQueue.CreateAsync(Ct);
        var endPoint = queue.EndPoint;

        // The bound runs on the client's clock: a fake one here, moved by the test, so the assertions hold on a
        // loaded machine and show the connect is given up at the bound, not before it.
        var fake = new FakeTimeProvider();
        var clock = new TimerRecordingTimeProvider(fake);
        using var client = new Http1Client(new Http1ClientOptions { ConnectTimeout = TimeSpan.FromSeconds(1), Time = clock });
        var sending = client.SendAsync(HttpRequest.Get(new Uri($"http://127.0.0.1:{endPoint.Port}/health")), Ct);

        for (var waited = 0; clock.DueTimes.Count == 0 && waited < 30_000; waited += 10)
        {
            await Task.Delay(10, Ct); // polls for the connect to have begun
        }

        Assert.Equal([TimeSpan.FromSeconds(1)], clock.DueTimes); // the connect's one bound
        fake.Advance(TimeSpan.FromSeconds(1) - TimeSpan.FromTicks(1));
        Assert.False(sending.IsCompleted, $"gave up before the bound: {sending.Exception?.InnerException?.Message}");

        fake.Advance(TimeSpan.FromTicks(1));
        var error = await Assert.ThrowsAsync<HttpTransportException>(() => sending.WaitAsync(TimeSpan.FromSeconds(30), Ct));

        Assert.Equal($"GET http://127.0.0.1:{endPoint.Port}/health: no connection to 127.0.0.1:{endPoint.Port} within 1 s", error.Message);
        Assert.IsAssignableFrom<OperationCanceledException>(error.InnerException);
    }
}
