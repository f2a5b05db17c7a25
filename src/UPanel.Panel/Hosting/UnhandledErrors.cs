namespace UPanel.Panel.Hosting;

/// <summary>Counts requests answered 500: a 5xx is a bug, and tests assert this stays at zero.</summary>
internal sealed class UnhandledErrors
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public void Add() => Interlocked.Increment(ref _count);
}
