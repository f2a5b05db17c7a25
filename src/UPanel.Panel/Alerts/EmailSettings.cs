namespace UPanel.Panel.Alerts;

/// <summary>
/// Where an <c>email</c> channel sends: an SMTP relay, always over TLS: STARTTLS (a server that does not offer it is
/// refused) or, with <see cref="Tls"/> <c>implicit</c>, TLS from the first byte (port 465), authenticated as <see cref="Username"/> when set, with the password from the panel's
/// <c>UPANEL_SMTP_PASSWORD</c> / <c>UPANEL_SMTP_PASSWORD_FILE</c> (never stored with the channel, never shown; why:
/// docs/decisions/smtp-password-from-the-panel.md).
/// <see cref="CaFile"/>: a PEM file of CA certificates the relay's certificate must chain to, instead of the system's.
/// </summary>
internal sealed record EmailSettings
{
    public const int DefaultPort = 587;
    public const int DefaultImplicitTlsPort = 465;
    public const string StartTls = "starttls";
    public const string ImplicitTls = "implicit";

    public required string Host { get; init; }
    public int Port { get; init; } = DefaultPort;

    /// <summary><see cref="StartTls"/> (the default: plain connect, then STARTTLS, required) or <see cref="ImplicitTls"/> (TLS from the first byte, SMTPS).</summary>
    public string Tls { get; init; } = StartTls;
    public required string From { get; init; }
    public required IReadOnlyList<string> To { get; init; }
    public string? Username { get; init; }
    public string? CaFile { get; init; }
}
