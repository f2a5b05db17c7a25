using System.Diagnostics;

namespace UPanel.Agent.Tests.Collection.Host;

/// <summary>Runs a real command-line tool (df, free) whose numbers the collectors must match.</summary>
internal static class ToolOutput
{
    public static string Run(string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{fileName} exited with {process.ExitCode}: {process.StandardError.ReadToEnd()}");
        return output;
    }

    /// <summary>The numbers of the last line, whitespace-separated, from the given column on.</summary>
    public static long[] NumbersOfLastLine(string output, int skipColumns = 0)
    {
        var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        return [.. line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(skipColumns).Select(long.Parse)];
    }
}
