using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace UPanel.Panel.Tests.EndToEnd;

/// <summary>
/// TLS in front of the panel (which serves plain HTTP), as a reverse proxy would be: a self-signed certificate for
/// 127.0.0.1, written as PEM for the agent's SSL_CERT_FILE. Counts TLS sessions and the bytes it passed to the panel.
/// </summary>
internal sealed class TlsTerminator : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly X509Certificate2 _certificate;
    private readonly SslStreamCertificateContext _context;
    private readonly int _targetPort;
    private readonly Task _accepting;
    private int _sessions;
    private long _forwardedBytes;

    public TlsTerminator(int targetPort, string certificatePemPath)
        : this(targetPort, CreateCertificate(), "127.0.0.1")
    {
        File.WriteAllText(certificatePemPath, _certificate.ExportCertificatePem());
    }

    /// <summary>With a given certificate (e.g. <see cref="PrivateCa.Issue"/>), its URL naming <paramref name="host"/>.</summary>
    public TlsTerminator(int targetPort, X509Certificate2 certificate, string host)
    {
        _targetPort = targetPort;
        _certificate = certificate;
        _context = SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true);
        _listener.Start();
        Url = new Uri($"https://{host}:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _accepting = AcceptLoopAsync();
    }

    public Uri Url { get; }

    /// <summary>Completed TLS handshakes.</summary>
    public int Sessions => Volatile.Read(ref _sessions);

    /// <summary>Decrypted bytes passed on to the panel.</summary>
    public long ForwardedBytes => Interlocked.Read(ref _forwardedBytes);

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accepting;
        _certificate.Dispose();
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException
                // A TcpListener stopped between two accepts throws InvalidOperationException ("Not listening").
                or InvalidOperationException)
            {
                return;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            await using var tls = new SslStream(client.GetStream());
            // Offline: the certificate goes out as given (no intermediate fetched from its AIA URL to complete the chain).
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificateContext = _context }, _stop.Token);
            Interlocked.Increment(ref _sessions);
            using var upstream = new TcpClient();
            await upstream.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
            var panel = upstream.GetStream();
            var down = panel.CopyToAsync(tls, _stop.Token);
            var up = ForwardAsync(tls, panel);
            await Task.WhenAny(down, up);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException
                                   or System.Security.Authentication.AuthenticationException)
        {
            // A refused handshake or either side gone.
        }
    }

    private async Task ForwardAsync(Stream from, Stream to)
    {
        var buffer = new byte[16384];
        int read;
        while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
        {
            Interlocked.Add(ref _forwardedBytes, read);
            await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
        }
    }
}
