using UPanel.Agent.Configuration;

namespace UPanel.Agent.Tests.Configuration;

public sealed class EnvFileWriterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("upanel-envfile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static UnixFileMode ModeOf(string path) => OperatingSystem.IsWindows() ? UnixFileMode.None : File.GetUnixFileMode(path);

    [Fact]
    public void Merge_replaces_keys_in_place_keeps_other_lines_and_appends_new_keys()
    {
        const string existing = "# written by install.sh\nPANEL_URL=https://old.example.com\nCOMPOSE_PROJECT_NAME=upanel\nexport SERVER_ID=old\nSERVER_ID=older\n";

        var merged = EnvFileWriter.Merge(existing, [new("SERVER_ID", "new"), new("PANEL_URL", "https://new.example.com"), new("AGENT_TOKEN", "tok")]);

        Assert.Equal(
            "# written by install.sh\nPANEL_URL=https://new.example.com\nCOMPOSE_PROJECT_NAME=upanel\nexport SERVER_ID=new\nAGENT_TOKEN=tok\n",
            merged);
    }

    [Theory]
    [InlineData("plain-01HQ_value.:/@%+,=~", "K=plain-01HQ_value.:/@%+,=~")]
    [InlineData("has space", "K='has space'")]
    [InlineData("it's $HOME", "K=\"it's $HOME\"")]
    [InlineData("a\"b\\c'", "K=\"a\\\"b\\\\c'\"")]
    public void Values_are_quoted_so_they_read_back_unchanged(string value, string line)
    {
        Assert.Equal(line, EnvFileWriter.Format("K", value));
        Assert.Equal(value, EnvFileParser.Parse(line).ToDictionary()["K"]);
    }

    [Fact]
    public void Update_writes_a_0600_file_and_leaves_no_temp_file()
    {
        var path = Path.Join(_dir, ".env");
        File.WriteAllText(path, "OTHER=kept\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        EnvFileWriter.Update(path, [new("AGENT_TOKEN", "secret")]);

        Assert.Equal("OTHER=kept\nAGENT_TOKEN=secret\n", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, ModeOf(path));
        Assert.Equal([path], Directory.GetFiles(_dir));
    }

    [Fact]
    public void A_failed_replace_removes_its_temp_file()
    {
        // The target is a directory, so the final rename fails after the temp file was written.
        var path = Path.Join(_dir, "target");
        Directory.CreateDirectory(path);

        Assert.ThrowsAny<IOException>(() => AtomicFile.WriteAllText(path, "A=1\n", AtomicFile.OwnerReadWrite));

        Assert.Empty(Directory.GetFiles(_dir));
    }
}
