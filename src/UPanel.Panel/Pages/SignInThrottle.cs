using System.Collections.Concurrent;
using System.Net;

namespace UPanel.Panel.Pages;

/// <summary>
/// Failed sign-ins per client address: after <see cref="MaxFailures"/> within <see cref="Window"/> the address is
/// refused (429) until the window ends, whatever key it sends. Per process: with several panels behind a proxy each
/// counts its own share.
/// </summary>
internal sealed class SignInThrottle(TimeProvider time)
{
    public const int MaxFailures = 5;

    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<IPAddress, (int Failures, DateTimeOffset Start)> _failures = new();

    /// <summary>How long the address must wait before it may try again; null when it may try now.</summary>
    public TimeSpan? RetryAfter(IPAddress? address)
    {
        var now = time.GetUtcNow();
        if (address is null || !_failures.TryGetValue(address, out var entry) || now - entry.Start >= Window)
        {
            return null;
        }

        return entry.Failures >= MaxFailures ? entry.Start + Window - now : null;
    }

    public void Failed(IPAddress? address)
    {
        if (address is null)
        {
            return;
        }

        var now = time.GetUtcNow();
        _failures.AddOrUpdate(address, _ => (1, now), (_, entry) => now - entry.Start >= Window ? (1, now) : (entry.Failures + 1, entry.Start));
        if (_failures.Count > 10_000)
        {
            // Bounded: forget windows that have ended.
            foreach (var (key, value) in _failures)
            {
                if (now - value.Start >= Window)
                {
                    _failures.TryRemove(key, out _);
                }
            }
        }
    }

    public void Succeeded(IPAddress? address)
    {
        if (address is not null)
        {
            _failures.TryRemove(address, out _);
        }
    }
}
