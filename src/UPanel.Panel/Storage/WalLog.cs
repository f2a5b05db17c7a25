using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SQLitePCL;

namespace UPanel.Panel.Storage;

/// <summary>
/// The size of one database file's write-ahead log, as SQLite reports it after every commit (its WAL hook), for
/// <see cref="SqliteCheckpointer"/> to copy the log back when it reaches its aim. The hook takes the place of SQLite's
/// automatic checkpoint on each connection (they are one setting: <c>PRAGMA wal_autocheckpoint</c> reads 0), and does
/// what it did, only later: a commit that leaves the log at <see cref="SqliteCheckpointer.BackstopFrames"/> or more
/// checkpoints it, as a stalled or absent checkpointer (the command line) would otherwise let it grow without end.
/// One per file: every connection to it, whichever dialect opened it, writes the same log.
/// </summary>
internal sealed class WalLog
{
    private static readonly ConcurrentDictionary<string, WalLog> ByPath = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<nint, WalLog> ById = new();
    private static long _lastId;

    private readonly nint _id;
    private int _frames;
    private long _restarts;
    private int _signalled;
    private TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private WalLog(nint id) => _id = id;

    /// <summary>Frames in the log after the last commit (SQLite starts it again at 0 once a checkpoint copied it all).</summary>
    public int Frames => Volatile.Read(ref _frames);

    /// <summary>Commits that found the log started again (fewer frames than the commit before).</summary>
    public long Restarts => Interlocked.Read(ref _restarts);

    public static WalLog For(string path) => ByPath.GetOrAdd(Path.GetFullPath(path), static _ =>
    {
        var log = new WalLog((nint)Interlocked.Increment(ref _lastId));
        ById[log._id] = log;
        return log;
    });

    /// <summary>Reports this file's log to this object after every commit on <paramref name="db"/>, in place of SQLite's automatic checkpoint.</summary>
    public unsafe void Watch(sqlite3 db) =>
        NativeMethods.sqlite3_wal_hook(db.DangerousGetHandle(), &Committed, _id);

    /// <summary>
    /// Completes at the next commit that leaves <see cref="SqliteCheckpointer.TargetFrames"/> or more in the log. Not on the
    /// figure already reported: after a cycle that copied it all it is stale (the log starts again at the next commit),
    /// and a panel gone quiet would be checkpointed in a loop.
    /// </summary>
    public Task ReachedAsync()
    {
        Volatile.Write(ref _signalled, 0);
        return Volatile.Read(ref _reached).Task;
    }

    private void Signal()
    {
        if (Interlocked.Exchange(ref _signalled, 1) == 0)
        {
            Interlocked.Exchange(ref _reached, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }

    /// <summary>SQLite's WAL hook: inside the commit, on the writer's thread. Never fails the commit.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Committed(nint id, nint db, nint schema, int frames)
    {
        try
        {
            if (ById.TryGetValue(id, out var log))
            {
                // One writer at a time (SQLite's write lock), so the previous figure is the commit before this one.
                if (frames < log._frames)
                {
                    Interlocked.Increment(ref log._restarts);
                }

                Volatile.Write(ref log._frames, frames);
                if (frames >= SqliteCheckpointer.TargetFrames)
                {
                    log.Signal();
                }
            }

            if (frames >= SqliteCheckpointer.BackstopFrames)
            {
                // What SQLite's own hook does at wal_autocheckpoint: a PASSIVE checkpoint, its result ignored.
                NativeMethods.sqlite3_wal_checkpoint(db, schema);
            }
        }
        catch (Exception)
        {
            // An exception must not unwind through SQLite; the commit happened whatever the hook does.
        }

        return raw.SQLITE_OK;
    }

    private static unsafe class NativeMethods
    {
        // The library SQLitePCLRaw's provider loads (SQLitePCLRaw.provider.e_sqlite3), which exposes no WAL hook.
        [DllImport("e_sqlite3", CallingConvention = CallingConvention.Cdecl)]
        public static extern nint sqlite3_wal_hook(nint db, delegate* unmanaged[Cdecl]<nint, nint, nint, int, int> callback, nint argument);

        [DllImport("e_sqlite3", CallingConvention = CallingConvention.Cdecl)]
        public static extern int sqlite3_wal_checkpoint(nint db, nint schema);
    }
}
