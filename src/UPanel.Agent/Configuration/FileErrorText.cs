using System.Runtime.InteropServices;

namespace UPanel.Agent.Configuration;

/// <summary>
/// Says in our own words why a file or directory could not be used. The Native AOT build drops .NET's exception
/// message texts (UseSystemResourceKeys), so <see cref="Exception.Message"/> of an IO exception there is a resource
/// key such as "(UnauthorizedAccess_IODenied_Path, /var/lib/upanel-agent/queue)"; the type and errno are kept.
/// </summary>
internal static class FileErrorText
{
    /// <summary>
    /// "permission denied: PATH", "directory not found: PATH", "no space left on device: PATH", ... for
    /// <paramref name="path"/>, the file or directory the caller was using. Other exceptions: their message.
    /// </summary>
    public static string Describe(Exception e, string path) => e switch
    {
        UnauthorizedAccessException => $"permission denied: {path}",
        DirectoryNotFoundException => $"directory not found or not a directory: {path}",
        FileNotFoundException => $"file not found: {path}",
        PathTooLongException => $"path too long: {path}",

        // EEXIST from creating a directory: a file stands where the path needs a directory.
        IOException when e.HResult == 17 => $"a file is in the way (not a directory): {path}",

        // On Unix, .NET's IOException for a failed system call carries errno as HResult; strerror is not a resource.
        IOException when e.HResult is > 0 and < 4096 => $"{LowerFirst(Marshal.GetPInvokeErrorMessage(e.HResult))}: {path}",
        IOException => $"I/O error: {path}",
        _ => e.Message,
    };

    private static string LowerFirst(string text) =>
        text.Length > 1 && char.IsUpper(text[0]) && !char.IsUpper(text[1]) ? char.ToLowerInvariant(text[0]) + text[1..] : text;
}
