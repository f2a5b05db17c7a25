using System.Diagnostics;

namespace UPanel.Tests.Shared;

/// <summary>
/// The one way a test waits for a real process's effect on the real clock: read, check, wait a little, until it holds
/// or the time is up; then the test fails naming what it waited for and, when asked, what it saw last. No fixed sleeps.
/// The wait between reads doubles from 20 ms to 250 ms: a quick effect is seen at once, and a long wait (a read that
/// starts a process, a browser's) does not load the machine.
/// </summary>
internal static class Poll
{
    private static readonly TimeSpan FirstWait = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan LongestWait = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Reads until <paramref name="done"/> holds and returns that value; after <paramref name="timeout"/> fails with
    /// <paramref name="what"/> and, when given, <paramref name="seen"/> of the last value read.
    /// </summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what, TimeSpan timeout, Func<T, string>? seen = null)
    {
        var clock = Stopwatch.StartNew();
        var wait = FirstWait;
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"timed out after {timeout.TotalSeconds} s waiting for {what}{(seen is null ? "" : $"; last seen: {seen(value)}")}");
            }

            await Task.Delay(wait, TestContext.Current.CancellationToken);
            wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, LongestWait.Ticks));
        }
    }

    /// <summary>Until <paramref name="condition"/> holds; <paramref name="seen"/> describes the state when it never does.</summary>
    public static Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan timeout, Func<string>? seen = null) =>
        UntilAsync(condition, held => held, what, timeout, seen is null ? null : _ => seen());

    /// <summary>Until <paramref name="condition"/> holds; <paramref name="seen"/> describes the state when it never does.</summary>
    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan timeout, Func<string>? seen = null) =>
        UntilAsync(() => Task.FromResult(condition()), what, timeout, seen);
}
