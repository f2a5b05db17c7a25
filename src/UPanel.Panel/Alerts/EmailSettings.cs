namespace UPanel.Panel.Alerts;

/// <summary>
/// Where an <c>email</c> channel sends: an SMTP relay, always with STARTTLS (a server that does not offer it is
/// refused), authenticated as <see cref="Username"/> when set, with the password from the panel's
/// <c>UPANEL_SMTP_PASSWORD</c> / <c>UPANEL_SMTP_PASSWORD_FILE</c> (never stored with the channel, never shown; why:
/// docs/decisions/smtp-password-from-the-panel.md).
/// <see cref="CaFile"/>: a PEM file of CA certificates the relay's certificate must chain to, instead of the system's.
/// </summary>
internal sealed record EmailSettings
{
    public const int DefaultPort = 587;

    public required string Host { get; init; }
    public int Port { get; init; } = DefaultPort;
    public required string From { get; init; }
    public required IReadOnlyList<string> To { get; init; }
    public string? Username { get; init; }
    public string? CaFile { get; init; }
}
