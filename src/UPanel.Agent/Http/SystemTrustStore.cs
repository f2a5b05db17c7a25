using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace UPanel.Agent.Http;

/// <summary>
/// The system's trusted certificates, read by the agent itself from where .NET's own system store reads them (the file
/// and directories OpenSSL names: SSL_CERT_FILE and SSL_CERT_DIR, or its compiled-in defaults), the same way (PEM
/// certificates or one DER certificate per file; a self-signed one is a root, any other an intermediate). A handshake is
/// validated first with only the certificates of the store that anchored the panel's last accepted chain (its root, and
/// any intermediate the chain took from the store); a chain they do not validate is validated again, in the same
/// handshake, against the store read then (in managed code; OpenSSL parses only the certificates tried): first those
/// named as an issuer up the chain, then every one. What anchored it is kept, the rest let go. So the agent holds one or
/// two certificates rather than the store's ~140 and accepts exactly what the whole store accepts
/// (docs/decisions/trust-store-read-once.md). The kept ones are dropped when the file or a directory changes. .NET's
/// own store re-read all of it every 5 minutes and left the old copy to finalization. Thread-safe.
/// </summary>
internal sealed partial class SystemTrustStore
{
    /// <summary>Debian's bundle directory: .NET reads it when OpenSSL's default directory has no certificate.</summary>
    private const string FallbackDirectory = "/etc/ssl/certs";

    private readonly string? _file;
    private readonly IReadOnlyList<string> _directories;
    private readonly bool _defaultDirectory;
    private readonly Lock _gate = new();
    private X509ChainPolicy _policy = NewPolicy([]);
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

    /// <summary>How many times the whole store was read (a test's probe).</summary>
    public int Loads { get; private set; }

    /// <summary>
    /// The trust a handshake starts with (SslStream clones it): custom root trust with the certificates kept from the
    /// last chain the whole store validated; none before the first, or once the file or a directory has changed since
    /// the read they came from. A chain it does not validate goes to <see cref="Validate"/>.
    /// </summary>
    public X509ChainPolicy Policy()
    {
        lock (_gate)
        {
            if (_policy.CustomTrustStore.Count > 0 && Changed())
            {
                _policy = NewPolicy([]);
            }

            return _policy;
        }
    }

    /// <summary>
    /// The verdict of the whole store on a chain the kept certificates did not validate: the chain of
    /// <paramref name="certificate"/> built again with the handshake's policy (the certificates the server sent, the
    /// server-auth usage, the time) and the store's certificates read now. First with only those named as an issuer up
    /// the chain SslStream built (<paramref name="built"/>), then, if that does not validate, with every one. When it
    /// validates, the store's certificates in it are kept for the next handshakes; the rest are let go.
    /// </summary>
    public bool Validate(X509Certificate2 certificate, X509Chain built, out X509ChainStatusFlags status)
    {
        lock (_gate)
        {
            var store = Read(out var directories);
            var stamps = Stamps(directories).ToArray();
            var issuers = new HashSet<string>(StringComparer.Ordinal) { StoreCertificate.NameKey(certificate.IssuerName.RawData) };
            foreach (var element in built.ChainElements)
            {
                _ = issuers.Add(StoreCertificate.NameKey(element.Certificate.IssuerName.RawData));
            }

            foreach (var extra in built.ChainPolicy.ExtraStore)
            {
                _ = issuers.Add(StoreCertificate.NameKey(extra.IssuerName.RawData));
            }

            // The candidates, and the issuers of those that are intermediates, until no new name turns up.
            var candidates = new List<StoreCertificate>();
            for (var added = true; added;)
            {
                added = false;
                foreach (var entry in store)
                {
                    if (!candidates.Contains(entry) && issuers.Contains(entry.Subject))
                    {
                        candidates.Add(entry);
                        added |= issuers.Add(entry.Issuer);
                    }
                }
            }

            if (Build(certificate, built.ChainPolicy, candidates, out status, out var keep)
                || (candidates.Count < store.Count && Build(certificate, built.ChainPolicy, store, out status, out keep)))
            {
                // The previous ones are left to the GC: a handshake under way may still hold a clone of the old policy.
                _policy = NewPolicy(keep);
                _readDirectories = directories;
                _seen = stamps;
                return true;
            }

            return false;
        }
    }

    /// <summary>Every trusted certificate, read now; the caller disposes them (a test's probe).</summary>
    internal X509Certificate2Collection ReadAll()
    {
        lock (_gate)
        {
            var all = new X509Certificate2Collection();
            foreach (var entry in Read(out _))
            {
                if (Load(entry) is { } certificate)
                {
                    _ = all.Add(certificate);
                }
            }

            return all;
        }
    }

    /// <summary>Builds the chain with <paramref name="trusted"/> as the custom trust; <paramref name="keep"/>: those of them in it.</summary>
    private static bool Build(
        X509Certificate2 certificate, X509ChainPolicy handshake, IReadOnlyList<StoreCertificate> trusted,
        out X509ChainStatusFlags status, out List<X509Certificate2> keep)
    {
        var loaded = new List<X509Certificate2>(trusted.Count);
        keep = [];
        using var chain = new X509Chain { ChainPolicy = handshake.Clone() };
        try
        {
            chain.ChainPolicy.CustomTrustStore.Clear();
            foreach (var entry in trusted)
            {
                if (Load(entry) is { } each)
                {
                    loaded.Add(each);
                    _ = chain.ChainPolicy.CustomTrustStore.Add(each);
                }
            }

            var valid = chain.Build(certificate);
            status = X509ChainStatusFlags.NoError;
            foreach (var element in chain.ChainStatus)
            {
                status |= element.Status;
            }

            if (valid)
            {
                // The anchor, and any intermediate the chain took from the store rather than from the server.
                foreach (var element in chain.ChainElements)
                {
                    foreach (var each in loaded)
                    {
                        if (!keep.Contains(each) && each.RawDataMemory.Span.SequenceEqual(element.Certificate.RawDataMemory.Span))
                        {
                            keep.Add(each);
                        }
                    }
                }
            }

            return valid;
        }
        finally
        {
            foreach (var element in chain.ChainElements)
            {
                element.Certificate.Dispose();
            }

            foreach (var each in loaded)
            {
                if (!keep.Contains(each))
                {
                    each.Dispose();
                }
            }
        }
    }

    private static X509Certificate2? Load(StoreCertificate entry)
    {
        try
        {
            return X509CertificateLoader.LoadCertificate(entry.Der);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private List<StoreCertificate> Read(out IReadOnlyList<string> directories)
    {
        var all = new List<StoreCertificate>();
        var seen = new Seen();
        if (_file is not null)
        {
            _ = ReadFile(_file, all, seen);
        }

        directories = _directories;
        var any = false;
        foreach (var directory in directories)
        {
            any |= ReadDirectory(directory, all, seen);
        }

        if (!any && _defaultDirectory && ReadDirectory(FallbackDirectory, all, seen))
        {
            directories = [FallbackDirectory];
        }

        Loads++;
        return all;
    }

    private static X509ChainPolicy NewPolicy(IEnumerable<X509Certificate2> trusted)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            // What SslStream sets when given no policy: no revocation check (it has no revocation source offline).
            RevocationMode = X509RevocationMode.NoCheck,
            RevocationFlag = X509RevocationFlag.ExcludeRoot,
            // Each chain is checked at the time it is built, not when this policy was made.
            VerificationTimeIgnored = true,
        };
        foreach (var certificate in trusted)
        {
            _ = policy.CustomTrustStore.Add(certificate);
        }

        return policy;
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

    private bool Changed() => !Stamps(_readDirectories).SequenceEqual(_seen);

    /// <summary>The file's and the directories' modification times (links followed, as stat does); MinValue when missing.</summary>
    private IEnumerable<DateTime> Stamps(IReadOnlyList<string> directories)
    {
        yield return _file is null ? DateTime.MinValue : Stamp(new FileInfo(_file));
        foreach (var directory in directories)
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

    private static bool ReadDirectory(string directory, List<StoreCertificate> into, Seen seen)
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
    private static bool ReadFile(string file, List<StoreCertificate> into, Seen seen)
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
                    read |= Add(der.AsSpan(0, written).ToArray(), into, seen);
                }
            }

            text = text[fields.Location.End..];
        }

        read = read || (!bytes.AsSpan().StartsWith("-----"u8) && Add(bytes, into, seen));
        seen.Files[path] = read;
        return read;
    }

    /// <summary>Adds the certificate unless the read already has it; true if <paramref name="der"/> is a certificate.</summary>
    private static bool Add(byte[] der, List<StoreCertificate> into, Seen seen)
    {
        if (StoreCertificate.TryRead(der) is not { } certificate)
        {
            return false;
        }

        if (seen.Certificates.Add(Convert.ToHexString(SHA1.HashData(der))))
        {
            into.Add(certificate);
        }

        return true;
    }

    /// <summary>What one read has seen: files by their final path (whether they held certificates), certificates by SHA-1 (the thumbprint).</summary>
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
