using UPanel.Agent.Configuration;

namespace UPanel.Agent.Tests.Configuration;

public sealed class FileErrorTextTests
{
    private const string Queue = "/var/lib/upanel-agent/queue";

    /// <summary>The messages are what the Native AOT build gives these exceptions (resource keys, UseSystemResourceKeys).</summary>
    public static readonly TheoryData<Exception, string> Cases = new()
    {
        { new UnauthorizedAccessException($"UnauthorizedAccess_IODenied_Path, {Queue}"), $"permission denied: {Queue}" },
        { new DirectoryNotFoundException($"IO_PathNotFound_Path, {Queue}"), $"directory not found or not a directory: {Queue}" },
        { new FileNotFoundException($"IO_FileNotFound_FileName, {Queue}"), $"file not found: {Queue}" },
        { new PathTooLongException($"IO_PathTooLong_Path, {Queue}"), $"path too long: {Queue}" },
        { new IOException($"No space left on device : '{Queue}/1.hbq'", 28), $"no space left on device: {Queue}" }, // ENOSPC
        { new IOException($"Read-only file system : '{Queue}'", 30), $"read-only file system: {Queue}" }, // EROFS
        { new IOException($"File exists : '{Queue}'", 17), $"a file is in the way (not a directory): {Queue}" }, // EEXIST
        { new IOException($"IO_SharingViolation_File, {Queue}"), $"I/O error: {Queue}" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void File_errors_are_said_in_words_with_the_path_and_never_as_a_resource_key(Exception error, string expected) =>
        Assert.Equal(expected, FileErrorText.Describe(error, Queue));

    [Fact]
    public void Other_errors_keep_their_message() =>
        Assert.Equal("bad number", FileErrorText.Describe(new FormatException("bad number"), Queue));
}
