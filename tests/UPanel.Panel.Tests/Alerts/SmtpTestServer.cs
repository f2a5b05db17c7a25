using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using MimeKit;
using UPanel.Panel.Tests.EndToEnd;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Alerts;

/// <summary>
/// A real SMTP server on 127.0.0.1: Debian's aiosmtpd (<c>python3-aiosmtpd</c>, installed by scripts/services.sh) run by
/// <c>smtp_server.py</c>, STARTTLS required with a certificate from a private CA made here, AUTH as <see cref="Username"/>
/// with <see cref="Password"/> (handed over in a 0600 file). Also holds a second, unrelated CA for the wrong-CA tests.
/// </summary>
internal sealed class SmtpTestServer : IDisposable
{
    public const string Username = "upanel-alerts";

    private readonly Process _process;
    private readonly string _mail;

    private SmtpTestServer(string directory, Process process, int port, string password)
    {
        Directory = directory;
        Password = password;
        _process = process;
        _mail = Path.Combine(directory, "mail");
        Port = port;
    }

    public string Directory { get; }

    public int Port { get; }

    /// <summary>Random per run: a test that finds it in a log or an answer has found a leak.</summary>
    public string Password { get; }

    /// <summary>The CA that signed the server's certificate, as PEM.</summary>
    public string CaFile => Path.Combine(Directory, "ca.pem");

    /// <summary>A CA that did not.</summary>
    public string WrongCaFile => Path.Combine(Directory, "wrong-ca.pem");

    public const string UnavailableReason = "The e-mail tests need Debian's python3-aiosmtpd (apt-get install python3-aiosmtpd, or source scripts/services.sh).";

    /// <summary>Null when aiosmtpd is not installed (<see cref="UnavailableReason"/>).</summary>
    /// <param name="mode">starttls; plain: a server that offers no STARTTLS (nor AUTH), as a misconfigured relay; implicit: TLS from the first byte (SMTPS).</param>
    /// <param name="password">The password AUTH takes (a panel has one): random when not given.</param>
    public static async Task<SmtpTestServer?> StartAsync(string mode = "starttls", string? password = null)
    {
        if (!File.Exists("/usr/bin/python3") || !File.Exists("/usr/lib/python3/dist-packages/aiosmtpd/smtp.py"))
        {
            return null;
        }

        var directory = System.IO.Directory.CreateTempSubdirectory("upanel-alerts-smtp-").FullName;
        System.IO.Directory.CreateDirectory(Path.Combine(directory, "mail"));
        using (var ca = new PrivateCa())
        using (var wrong = new PrivateCa())
        using (var certificate = ca.Issue("smtp.upanel.test"))
        using (var key = certificate.GetECDsaPrivateKey()!)
        {
            await File.WriteAllTextAsync(Path.Combine(directory, "ca.pem"), ca.RootPem);
            await File.WriteAllTextAsync(Path.Combine(directory, "wrong-ca.pem"), wrong.RootPem);
            await File.WriteAllTextAsync(Path.Combine(directory, "server.pem"), certificate.ExportCertificatePem());
            UPanel.Panel.Hosting.SecretFile.Write(Path.Combine(directory, "server.key"), key.ExportPkcs8PrivateKeyPem());
        }

        var start = new ProcessStartInfo("/usr/bin/python3")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        password ??= Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var passwordFile = Path.Combine(directory, "password");
        UPanel.Panel.Hosting.SecretFile.Write(passwordFile, password);
        foreach (var arg in new[]
        {
            Path.Combine(RepositoryRoot.Path, "tests", "UPanel.Panel.Tests", "Alerts", "smtp_server.py"),
            Path.Combine(directory, "server.pem"), Path.Combine(directory, "server.key"), Path.Combine(directory, "mail"), Username, passwordFile,
            mode,
        })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (line is null || !line.StartsWith("ready ", StringComparison.Ordinal))
        {
            var error = await process.StandardError.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));
            process.Kill();
            throw new InvalidOperationException($"smtp_server.py did not start: {line} {error}");
        }

        return new SmtpTestServer(directory, process, int.Parse(line["ready ".Length..], System.Globalization.CultureInfo.InvariantCulture), password);
    }

    /// <summary>The messages received so far, in order.</summary>
    public IReadOnlyList<ReceivedMail> Received =>
        [.. System.IO.Directory.GetFiles(_mail, "*.json").Order(StringComparer.Ordinal).Select(ReceivedMail.Read)];

    /// <summary>Waits until <paramref name="count"/> messages match (30 s at most), then returns them.</summary>
    public async Task<IReadOnlyList<ReceivedMail>> WaitForAsync(Func<ReceivedMail, bool> match, int count)
    {
        await Poll.UntilAsync(() => Received.Count(match) >= count, $"{count} e-mails", TimeSpan.FromSeconds(30), () => string.Join("\n", Received.Select(m => m.Message.Subject)));
        return [.. Received.Where(match)];
    }

    public void Dispose()
    {
        _process.StandardInput.Close();
        if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            _process.Kill();
        }

        _process.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}

/// <summary>One message as the SMTP server recorded it: envelope, TLS, login, and the parsed message.</summary>
internal sealed record ReceivedMail(string MailFrom, IReadOnlyList<string> RcptTo, bool Tls, string? Login, MimeMessage Message)
{
    public static ReceivedMail Read(string path)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        var root = json.RootElement;
        using var content = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(root.GetProperty("content").GetString()!));
        return new ReceivedMail(
            root.GetProperty("mail_from").GetString()!,
            [.. root.GetProperty("rcpt_tos").EnumerateArray().Select(r => r.GetString()!)],
            root.GetProperty("tls").GetBoolean(),
            root.GetProperty("login").ValueKind == JsonValueKind.String ? root.GetProperty("login").GetString() : null,
            MimeMessage.Load(content));
    }
}
