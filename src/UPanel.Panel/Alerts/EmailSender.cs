using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using UPanel.Panel.Hosting;

namespace UPanel.Panel.Alerts;

/// <summary>
/// Sends a notification as an e-mail through an <c>email</c> channel's relay with MailKit: STARTTLS (the session is
/// refused before any command that carries mail or a password when the server does not offer it) or TLS from the
/// first byte (<c>tls: implicit</c>), the
/// certificate checked against the system's CAs or the channel's <c>ca_file</c>, then AUTH when a username is set.
/// </summary>
internal sealed class EmailSender(PanelOptions options, TimeProvider time)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>Null when the relay took the message, else why not, as the delivery log shows it (never a secret).</summary>
    public async Task<string?> SendAsync(Notification notification, EmailSettings email, CancellationToken cancellationToken)
    {
        var relay = $"smtp {email.Host}:{email.Port}";
        if (email.Username is not null && options.SmtpPassword is null)
        {
            return $"{relay}: username is set but the panel has no password; set UPANEL_SMTP_PASSWORD or UPANEL_SMTP_PASSWORD_FILE";
        }

        X509Certificate2Collection? authorities = null;
        if (email.CaFile is { } caFile)
        {
            if (ReadAuthorities(caFile) is not { } read)
            {
                return $"{relay}: ca_file {caFile} cannot be read as PEM CA certificates";
            }

            authorities = read;
        }

        string? untrusted = null;
        using var client = new SmtpClient { Timeout = (int)Timeout.TotalMilliseconds };
        client.ServerCertificateValidationCallback = (_, certificate, chain, errors) =>
            Trusted(certificate, chain, errors, authorities, email.CaFile, out untrusted);
        try
        {
            var tls = email.Tls == EmailSettings.ImplicitTls ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTls;
            await client.ConnectAsync(email.Host, email.Port, tls, cancellationToken);

            if (email.Username is { } username)
            {
                await client.AuthenticateAsync(username, options.SmtpPassword!, cancellationToken);
            }

            await client.SendAsync(Message(notification, email), cancellationToken);
            await client.DisconnectAsync(true, cancellationToken);
            return null;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return $"{relay}: " + e switch
            {
                SslHandshakeException => $"TLS failed: {untrusted ?? "the handshake did not complete"}",
                NotSupportedException when !client.IsSecure => "the server does not offer STARTTLS, which is required",
                AuthenticationException => $"authentication as {email.Username} refused ({OneLine(e.Message)}); check username and UPANEL_SMTP_PASSWORD",
                SmtpCommandException command => $"{(int)command.StatusCode} {OneLine(command.Message)}",
                TimeoutException or OperationCanceledException => $"no answer within {Timeout.TotalSeconds:0} s",
                _ => OneLine(e.Message),
            };
        }
        finally
        {
            foreach (var authority in authorities ?? [])
            {
                authority.Dispose();
            }
        }
    }

    /// <summary>The e-mail for one notification: the subject names the state, server, container and alert.</summary>
    internal MimeMessage Message(Notification notification, EmailSettings email)
    {
        var e = notification.Event;
        var state = !e.Firing ? "RESOLVED" : notification.Repeat > 0 ? "STILL FIRING" : "FIRING";
        var where = e.Container is null ? e.Hostname : $"{e.Hostname}/{e.Container}";
        var message = new MimeMessage
        {
            Subject = $"[UPanel] {state} {where}: {e.Kind}",
            Date = time.GetUtcNow(),
            Body = new TextPart("plain")
            {
                Text = string.Join("\n", new[]
                {
                    $"{state}: {e.Summary}",
                    "",
                    $"Server:    {e.Hostname} ({e.ServerId})",
                    e.Container is null ? null : $"Container: {e.Container}",
                    $"Alert:     {e.Kind}, id {e.Id}" + (notification.Repeat > 0 ? $", repeat {notification.Repeat}" : ""),
                    $"{(e.Firing ? "Since:" : "At:"),-10} {e.At.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC",
                    "",
                    "Sent by UPanel.",
                }.Where(line => line is not null)) + "\n",
            },
        };
        message.From.Add(MailboxAddress.Parse(email.From));
        foreach (var to in email.To)
        {
            message.To.Add(MailboxAddress.Parse(to));
        }

        // The same alert resent (after an answer that was lost) keeps its Message-Id, so a mail system can drop it; a
        // test notification is a message of its own each time.
        var domain = email.From[(email.From.LastIndexOf('@') + 1)..];
        message.MessageId = e.Id == 0
            ? MimeKit.Utils.MimeUtils.GenerateMessageId(domain)
            : $"upanel.{e.Id}.{notification.Repeat}.{notification.Channel.Id}@{domain}";
        message.Headers.Add(NotificationPayload.EventHeader, notification.Repeat > 0 ? $"{e.Id}.{notification.Repeat}" : $"{e.Id}");
        return message;
    }

    /// <summary>The certificates in a PEM file, or null when it cannot be read or holds none.</summary>
    internal static X509Certificate2Collection? ReadAuthorities(string path)
    {
        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            return null;
        }

        return authorities.Count > 0 ? authorities : null;
    }

    /// <summary>
    /// The relay's certificate must name the host, and chain to the system's CAs, or, with <c>ca_file</c>, to one of
    /// its certificates only (no revocation check: a private CA rarely publishes one). Why not, in <paramref name="reason"/>.
    /// </summary>
    private static bool Trusted(
        System.Security.Cryptography.X509Certificates.X509Certificate? certificate,
        X509Chain? chain,
        SslPolicyErrors errors,
        X509Certificate2Collection? authorities,
        string? caFile,
        out string? reason)
    {
        reason = null;
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            reason = "the server sent no certificate";
            return false;
        }

        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            reason = "the server's certificate is not for this host name";
            return false;
        }

        if (authorities is null)
        {
            if (errors == SslPolicyErrors.None)
            {
                return true;
            }

            reason = $"the server's certificate is not trusted by the system's CAs ({Statuses(chain)}); for a private CA, set the channel's ca_file";
            return false;
        }

        using var own = new X509Chain();
        own.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        own.ChainPolicy.CustomTrustStore.AddRange(authorities);
        own.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements.Skip(1))
            {
                own.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        if (own.Build(leaf))
        {
            return true;
        }

        reason = $"the server's certificate does not chain to the CA in ca_file {caFile} ({Statuses(own)})";
        return false;
    }

    private static string Statuses(X509Chain? chain) =>
        chain is null || chain.ChainStatus.Length == 0
            ? "no chain"
            : string.Join(", ", chain.ChainStatus.Select(s => s.Status.ToString()).Distinct());

    private static string OneLine(string text)
    {
        var line = text.ReplaceLineEndings(" ").Trim();
        return line.Length > 300 ? line[..300] + "…" : line;
    }
}
