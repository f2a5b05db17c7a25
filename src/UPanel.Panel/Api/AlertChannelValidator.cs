using System.Security.Cryptography;
using MimeKit;
using UPanel.Contracts;
using UPanel.Panel.Alerts;
using UPanel.Panel.Api.Admin;

namespace UPanel.Panel.Api;

/// <summary>Turns a channel request into a channel, or the error naming the first field that is wrong.</summary>
internal static class AlertChannelValidator
{
    public const int MaxRecipients = 20;

    private static readonly string[] EmailFields = ["host", "port", "tls", "from", "to", "username", "ca_file"];

    /// <param name="smtpPasswordSet">Whether the panel has <c>UPANEL_SMTP_PASSWORD</c>: an e-mail channel with a username needs it.</param>
    public static (AlertChannel? Channel, ApiError? Error) Validate(AlertChannelRequest request, bool smtpPasswordSet, string id, DateTimeOffset now)
    {
        if (request.Kind is not { } kind || (kind != "email" && !NotificationPayload.Kinds.Contains(kind)))
        {
            return (null, ApiError.BadField("kind", "must be webhook, slack, discord, ntfy or email"));
        }

        return kind == "email" ? Email(request, smtpPasswordSet, id, now) : Http(request, kind, id, now);
    }

    private static (AlertChannel?, ApiError?) Http(AlertChannelRequest request, string kind, string id, DateTimeOffset now)
    {
        if (EmailFieldSet(request) is { } field)
        {
            return (null, ApiError.BadField(field, "only an email channel has one"));
        }

        if (request.Url is not { Length: > 0 and <= 2048 } text
            || !Uri.TryCreate(text, UriKind.Absolute, out var url)
            || url.Scheme is not ("https" or "http")
            || url.UserInfo.Length > 0)
        {
            return (null, ApiError.BadField("url", "must be an absolute http(s) URL of at most 2048 characters, without user:password@"));
        }

        if (request.Secret is { } given && (kind != "webhook" || !TokenText.IsValid(given) || given.Length < 16 || given.Length > 256))
        {
            return (null, ApiError.BadField("secret", kind == "webhook"
                ? "must be 16 to 256 visible ASCII characters (or left out: one is made)"
                : "only a webhook channel has a secret"));
        }

        var secret = kind == "webhook" ? request.Secret ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)) : null;
        return (new AlertChannel(id, kind, url.AbsoluteUri, secret, now), null);
    }

    private static (AlertChannel?, ApiError?) Email(AlertChannelRequest request, bool smtpPasswordSet, string id, DateTimeOffset now)
    {
        if (request.Url is not null || request.Secret is not null)
        {
            return (null, ApiError.BadField(request.Url is not null ? "url" : "secret", "an email channel has host, port, tls, from, to (and optionally username, ca_file) instead"));
        }

        if (Checks.Text("host", request.Host, 253) is { } hostError)
        {
            return (null, hostError);
        }

        if (Uri.CheckHostName(request.Host) is UriHostNameType.Unknown or UriHostNameType.Basic)
        {
            return (null, ApiError.BadField("host", "must be a host name or an IP address (e.g. smtp.example.com)"));
        }

        var error = Checks.Range("port", request.Port, 1, 65535)
            ?? (request.Tls is null or EmailSettings.StartTls or EmailSettings.ImplicitTls
                ? null
                : ApiError.BadField("tls", "must be starttls (the default) or implicit (TLS from the first byte, usually port 465)"))
            ?? Address("from", request.From)
            ?? (request.To is not { Count: > 0 and <= MaxRecipients } to
                ? ApiError.BadField("to", $"must list 1 to {MaxRecipients} e-mail addresses")
                : to.Select((address, i) => Address($"to[{i}]", address)).FirstOrDefault(e => e is not null))
            ?? Checks.Text("username", request.Username, 256, required: false)
            ?? (request.Username is { } username && (username.Length == 0 || !smtpPasswordSet)
                ? ApiError.BadField("username", username.Length == 0
                    ? "must not be empty (leave it out to send without authentication)"
                    : "the panel has no SMTP password: set UPANEL_SMTP_PASSWORD or UPANEL_SMTP_PASSWORD_FILE and restart it, or leave username out")
                : null)
            ?? Checks.Text("ca_file", request.CaFile, 4096, required: false)
            ?? (request.CaFile is { } caFile && (!Path.IsPathFullyQualified(caFile) || EmailSender.ReadAuthorities(caFile) is null)
                ? ApiError.BadField("ca_file", "must be the absolute path of a PEM file of CA certificates that the panel can read")
                : null);
        if (error is not null)
        {
            return (null, error);
        }

        var tls = request.Tls ?? EmailSettings.StartTls;
        var email = new EmailSettings
        {
            Host = request.Host!,
            Port = request.Port ?? (tls == EmailSettings.ImplicitTls ? EmailSettings.DefaultImplicitTlsPort : EmailSettings.DefaultPort),
            Tls = tls,
            From = request.From!,
            To = request.To!,
            Username = request.Username,
            CaFile = request.CaFile,
        };
        var url = new UriBuilder(tls == EmailSettings.ImplicitTls ? "smtps" : "smtp", email.Host, email.Port).Uri.GetLeftPart(UriPartial.Authority);
        return (new AlertChannel(id, "email", url, null, now, email), null);
    }

    /// <summary>A bare address (<c>alerts@example.com</c>): no display name, no line breaks (it becomes a header).</summary>
    private static ApiError? Address(string field, string? text) =>
        Checks.Text(field, text, 254)
        ?? (MailboxAddress.TryParse(text!, out var mailbox) && string.IsNullOrEmpty(mailbox.Name) && mailbox.Address == text
            && text.IndexOf('@', StringComparison.Ordinal) is > 0 and var at && at < text.Length - 1 && !text.Contains(' ', StringComparison.Ordinal)
                ? null
                : ApiError.BadField(field, "must be an e-mail address such as alerts@example.com"));

    private static string? EmailFieldSet(AlertChannelRequest request) =>
        EmailFields.Zip(new object?[] { request.Host, request.Port, request.Tls, request.From, request.To, request.Username, request.CaFile })
            .FirstOrDefault(f => f.Second is not null).First;
}
