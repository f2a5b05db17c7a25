namespace UPanel.Panel.Tests.Infrastructure;

/// <summary>The checkout the tests run from (the directory holding UPanel.slnx), for its scripts and deploy files.</summary>
internal static class RepositoryRoot
{
    public static readonly string Path = Find();

    private static string Find()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(System.IO.Path.Combine(root, "UPanel.slnx")))
        {
            root = System.IO.Path.GetDirectoryName(root) ?? throw new InvalidOperationException("UPanel.slnx not found above the test binaries");
        }

        return root;
    }
}
