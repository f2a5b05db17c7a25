namespace UPanel.Agent.Tests;

/// <summary>Tests that observe process-wide state (GC counters) run alone, after the parallel ones.</summary>
[CollectionDefinition(nameof(SerialTests), DisableParallelization = true)]
public sealed class SerialTests;
