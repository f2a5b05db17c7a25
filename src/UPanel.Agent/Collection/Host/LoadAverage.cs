namespace UPanel.Agent.Collection.Host;

/// <summary>The three load averages of <c>/proc/loadavg</c> (1, 5, 15 minutes); finite and not negative.</summary>
internal readonly record struct LoadAverage(double OneMinute, double FiveMinutes, double FifteenMinutes);
