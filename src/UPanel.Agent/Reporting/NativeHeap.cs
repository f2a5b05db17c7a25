using System.Runtime.InteropServices;

namespace UPanel.Agent.Reporting;

/// <summary>
/// glibc's malloc, kept to one arena and trimmed between heartbeats (docs/decisions/one-malloc-arena.md). OpenSSL
/// allocates in whichever thread-pool thread runs a TLS handshake; .NET used to reload the system's trusted
/// certificates there every 5 minutes (now read once by Http/SystemTrustStore) and free the previous set on the
/// finalizer thread. With an arena per thread (up to 8 per core) the freed memory sat in arenas the next reload did not
/// use, and the https agent's anonymous memory grew about 1 MiB per reload.
/// </summary>
internal static partial class NativeHeap
{
    private const int ArenaMax = -8; // M_ARENA_MAX, malloc.h

    /// <summary>
    /// New threads share the main arena. Called first thing in Main, before the thread pool starts threads. Returns
    /// whether malloc accepted the setting.
    /// </summary>
    public static bool UseOneArena() => MallOpt(ArenaMax, 1) == 1;

    /// <summary>Gives whole free pages of the heap back to the OS (malloc_trim(3)).</summary>
    public static void Trim() => _ = MallocTrim(0);

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int MallOpt(int parameter, int value);

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
