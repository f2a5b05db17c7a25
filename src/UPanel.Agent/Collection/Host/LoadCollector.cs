namespace UPanel.Agent.Collection.Host;

/// <summary>load_average from <c>/proc/loadavg</c>.</summary>
internal sealed class LoadCollector(IHostFiles files)
{
    public const string RelativePath = "loadavg";

    private char[] _buffer = new char[256];

    /// <summary>Throws <see cref="IOException"/>, <see cref="UnauthorizedAccessException"/> or <see cref="FormatException"/>.</summary>
    public LoadAverage Collect() => LoadAvgParser.Parse(files.ReadText(HostRootKind.Proc, RelativePath, ref _buffer));
}
