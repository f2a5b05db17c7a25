using UPanel.Agent.Configuration;

namespace UPanel.Agent.Tests.Configuration;

public sealed class RotatedTokenStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("upanel-state-").FullName;

    private string StateDir => Path.Join(_dir, "state");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Without_a_rotation_the_configured_token_is_used()
    {
        Assert.Equal("configured", new RotatedTokenStore(StateDir).Resolve("configured"));
    }

    [Fact]
    public void A_rotated_token_survives_a_restart()
    {
        new RotatedTokenStore(StateDir).Save("configured", "rotated-1");
        new RotatedTokenStore(StateDir).Save("configured", "rotated-2");

        Assert.Equal("rotated-2", new RotatedTokenStore(StateDir).Resolve("configured"));
    }

    [Fact]
    public void A_new_registration_outranks_a_token_rotated_from_the_old_one()
    {
        new RotatedTokenStore(StateDir).Save("old-configured", "rotated");

        Assert.Equal("new-configured", new RotatedTokenStore(StateDir).Resolve("new-configured"));
    }

    [Fact]
    public void The_file_is_0600_in_a_0700_state_dir_and_does_not_hold_the_configured_token()
    {
        var store = new RotatedTokenStore(StateDir);

        store.Save("configured-token", "rotated");

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, EnvFileWriterTests.ModeOf(store.FilePath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, EnvFileWriterTests.ModeOf(StateDir));
        Assert.DoesNotContain("configured-token", File.ReadAllText(store.FilePath));
        Assert.Equal([store.FilePath], Directory.GetFileSystemEntries(StateDir));
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("")]
    [InlineData("base-fnv1a64=\ntoken=x\n")]
    public void A_damaged_file_falls_back_to_the_configured_token(string content)
    {
        Directory.CreateDirectory(StateDir);
        File.WriteAllText(Path.Join(StateDir, RotatedTokenStore.FileName), content);

        Assert.Equal("configured", new RotatedTokenStore(StateDir).Resolve("configured"));
    }
}
