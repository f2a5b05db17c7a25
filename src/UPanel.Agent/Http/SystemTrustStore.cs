using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace UPanel.Agent.Http;

/// <summary>
/// The system's trusted certificates, read by the agent itself from where .NET's own system store reads them (the file
/// and directories OpenSSL names: SSL_CERT_FILE and SSL_CERT_DIR, or its compiled-in defaults), the same way (PEM
/// certificates or one DER certificate per file; a self-signed one is a root, any other an intermediate), and handed
/// to every TLS handshake as a custom root trust. Read once, and again only when the file or a directory changes:
/// .NET's store re-reads all of it every 5 minutes and leaves the old copy to finalization, which made the https
/// agent's memory grow (docs/decisions/trust-store-read-once.md). Thread-safe.
/// </summary>
internal sealed partial class SystemTrustStore
{
    /// <summary>Debian's bundle directory: .NET reads it when OpenSSL's default directory has no certificate.</summary>
    private const string FallbackDirectory = "/etc/ssl/certs";

    private readonly string? _file;
    private readonly IReadOnlyList<string> _directories;
    private readonly bool _defaultDirectory;
    private readonly Lock _gate = new();
    private X509ChainPolicy? _policy;
    private IReadOnlyList<string> _readDirectories = [];
    private DateTime[] _seen = [];

    public SystemTrustStore(string? file, IReadOnlyList<string> directories, bool defaultDirectory = false)
    {
        _file = string.IsNullOrEmpty(file) ? null : Path.GetFullPath(file);
        _directories = [.. directories.Select(Path.GetFullPath)];
        _defaultDirectory = defaultDirectory;
    }

    /// <summary>The process's store, at the paths OpenSSL gives (read on the first https connection, not before).</summary>
    public static SystemTrustStore Shared => LazyShared.Value;

    private static readonly Lazy<SystemTrustStore> LazyShared = new(FromOpenSsl);

    /// <summary>How many times the certificates were read (a test's probe).</summary>
    public int Loads { get; private set; }

    /// <summary>The trust of a TLS client's chain validation; SslStream clones it for each handshake.</summary>
    public X509ChainPolicy Policy()
    {
        lock (_gate)
        {
            if (_policy is null || Changed())
            {
                Load();
            }

            return _policy!;
        }
    }

    /// <summary>
    /// The paths exactly as .NET's system store takes them: OpenSSL's getenv of SSL_CERT_FILE and SSL_CERT_DIR (a list
    /// separated by ':'), else its compiled-in defaults (Debian: /usr/lib/ssl/cert.pem and /usr/lib/ssl/certs).
    /// </summary>
    private static unsafe SystemTrustStore FromOpenSsl()
    {
        _ = EnsureOpenSslInitialized();
        byte unused;
        byte defaultDirectory;
        var file = Marshal.PtrToStringUTF8(GetX509RootStoreFile(&unused));
        var directories = Marshal.PtrToStringUTF8(GetX509RootStorePath(&defaultDirectory)) ?? "";
        return new SystemTrustStore(
            file, directories.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries), defaultDirectory != 0);
    }

    private void Load()
    {
        var roots = new X509Certificate2Collection();
        var seen = new Seen();
        if (_file is not null)
        {
            _ = ReadFile(_file, roots, seen);
        }

        var directories = _directories;
        var any = false;
        foreach (var directory in directories)
        {
            any |= ReadDirectory(directory, roots, seen);
        }

        if (!any && _defaultDirectory && ReadDirectory(FallbackDirectory, roots, seen))
        {
            directories = [FallbackDirectory];
        }

        _policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            // What SslStream sets when given no policy: no revocation check (it has no revocation source offline).
            RevocationMode = X509RevocationMode.NoCheck,
            RevocationFlag = X509RevocationFlag.ExcludeRoot,
            // Each chain is checked at the time it is built, not when this policy was made.
            VerificationTimeIgnored = true,
        };
        _policy.CustomTrustStore.AddRange(roots);
        _readDirectories = directories;
        _seen = [.. Stamps()];
        Loads++;

        // The previous certificates are left to the GC: a handshake under way may still hold a clone of the old policy.
    }

    private bool Changed() => !Stamps().SequenceEqual(_seen);

    /// <summary>The file's and the directories' modification times (links followed, as stat does); MinValue when missing.</summary>
    private IEnumerable<DateTime> Stamps()
    {
        yield return _file is null ? DateTime.MinValue : Stamp(new FileInfo(_file));
        foreach (var directory in _readDirectories)
        {
            yield return Stamp(new DirectoryInfo(directory));
        }
    }

    private static DateTime Stamp(FileSystemInfo info)
    {
        try
        {
            var target = info.LinkTarget is null ? info : info.ResolveLinkTarget(returnFinalTarget: true) ?? info;
            return target.Exists ? target.LastWriteTimeUtc : DateTime.MinValue;
        }
        catch (IOException)
        {
            return DateTime.MinValue;
        }
        catch (UnauthorizedAccessException)
        {
            return DateTime.MinValue;
        }
    }

    private static bool ReadDirectory(string directory, X509Certificate2Collection into, Seen seen)
    {
        if (!Directory.Exists(directory))
        {
            return false;
        }

        var any = false;
        try
        {
            foreach (var file in Directory.EnumerateFiles(directory))
            {
                any |= ReadFile(file, into, seen);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // As .NET's store: what cannot be listed adds nothing.
        }

        return any;
    }

    /// <summary>
    /// Every "CERTIFICATE" PEM block of the file, or the whole file as one DER certificate; true if any was read. A file
    /// already read through another link (Debian's directory links each certificate by name and by hash, and holds the
    /// bundle too) counts as read again without being parsed, as .NET's store skips a file it read by its inode.
    /// </summary>
    private static bool ReadFile(string file, X509Certificate2Collection into, Seen seen)
    {
        string path;
        byte[] bytes;
        try
        {
            var info = new FileInfo(file);
            path = (info.LinkTarget is null ? info : info.ResolveLinkTarget(returnFinalTarget: true) ?? info).FullName;
            if (seen.Files.TryGetValue(path, out var hadCertificates))
            {
                return hadCertificates;
            }

            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }

        var read = false;
        var text = Encoding.ASCII.GetString(bytes).AsSpan();
        while (PemEncoding.TryFind(text, out var fields))
        {
            // The labels OpenSSL reads an X509 certificate from; "TRUSTED CERTIFICATE" blocks carry OpenSSL's aux data and
            // .NET's store skips them, so does this.
            if (text[fields.Label] is "CERTIFICATE" or "X509 CERTIFICATE")
            {
                var der = new byte[fields.DecodedDataLength];
                if (Convert.TryFromBase64Chars(text[fields.Base64Data], der, out var written))
                {
                    read |= Add(der.AsSpan(0, written), into, seen);
                }
            }

            text = text[fields.Location.End..];
        }

        read = read || (!bytes.AsSpan().StartsWith("-----"u8) && Add(bytes, into, seen));
        seen.Files[path] = read;
        return read;
    }

    private static bool Add(ReadOnlySpan<byte> der, X509Certificate2Collection into, Seen seen)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadCertificate(der);
        }
        catch (CryptographicException)
        {
            return false;
        }

        if (seen.Certificates.Add(certificate.Thumbprint))
        {
            _ = into.Add(certificate);
        }
        else
        {
            certificate.Dispose();
        }

        return true;
    }

    /// <summary>What one read has seen: files by their final path (whether they held certificates), certificates by thumbprint.</summary>
    private sealed class Seen
    {
        public Dictionary<string, bool> Files { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Certificates { get; } = new(StringComparer.Ordinal);
    }

    // .NET's own OpenSSL shim (linked into the agent): the same calls its system store makes for these paths.
    [LibraryImport("libSystem.Security.Cryptography.Native.OpenSsl", EntryPoint = "CryptoNative_EnsureOpenSslInitialized")]
    private static partial int EnsureOpenSslInitialized();

    [LibraryImport("libSystem.Security.Cryptography.Native.OpenSsl", EntryPoint = "CryptoNative_GetX509RootStoreFile")]
    private static unsafe partial IntPtr GetX509RootStoreFile(byte* defaultPath);

    [LibraryImport("libSystem.Security.Cryptography.Native.OpenSsl", EntryPoint = "CryptoNative_GetX509RootStorePath")]
    private static unsafe partial IntPtr GetX509RootStorePath(byte* defaultPath);
}
