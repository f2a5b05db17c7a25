namespace UPanel.Agent.Tests.Collection.Host;

/// <summary><c>df -B1</c> of one path: what the disk numbers must equal.</summary>
internal static class DfTool
{
    public static (long TotalBytes, long UsedBytes) Read(string path)
    {
        var numbers = ToolOutput.NumbersOfLastLine(ToolOutput.Run("df", "-B1", "--output=size,used", path));
        return (numbers[0], numbers[1]);
    }
}
