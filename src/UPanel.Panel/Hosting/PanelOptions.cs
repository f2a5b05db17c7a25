namespace UPanel.Panel.Hosting;

/// <summary>Everything the panel can be told, with its defaults in one place. Flags win over environment.</summary>
internal sealed record PanelOptions
{
    public const long DefaultMaxBodyBytes = 1024 * 1024;

    /// <summary><c>--data-dir</c> / <c>UPANEL_DATA_DIR</c>: the SQLite file, the generated admin key and the token key live here.</summary>
    public string DataDirectory { get; init; } = "data";

    /// <summary><c>UPANEL_POSTGRES</c> or <c>UPANEL_POSTGRES_FILE</c> (never a flag: it holds a password): use PostgreSQL instead of SQLite.</summary>
    public string? PostgresConnectionString { get; init; }

    /// <summary><c>--retention-days</c> / <c>UPANEL_RETENTION_DAYS</c>: heartbeat history older than this is pruned.</summary>
    public int RetentionDays { get; init; } = 30;

    /// <summary><c>UPANEL_ADMIN_KEY</c> (environment only: a flag would show in <c>ps</c>).</summary>
    public string? AdminKey { get; init; }

    /// <summary><c>UPANEL_TOKEN_KEY</c>: base64 of 32 bytes sealing a rotated token until it is delivered; else a file in the data dir.</summary>
    public string? TokenKey { get; init; }

    /// <summary><c>UPANEL_SMTP_PASSWORD</c> or <c>UPANEL_SMTP_PASSWORD_FILE</c> (environment only): the password of e-mail channels that set a username.</summary>
    public string? SmtpPassword { get; init; }

    /// <summary><c>--public-url</c> / <c>UPANEL_PUBLIC_URL</c>: the <c>panel_url</c> handed to agents; else the request's host.</summary>
    public string? PublicUrl { get; init; }

    /// <summary>
    /// <c>--trusted-proxies</c> / <c>UPANEL_TRUSTED_PROXIES</c>: the addresses (or networks) of the load balancers or
    /// TLS terminators in front of the panel, whose <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> it believes.
    /// Empty: both headers are ignored and the connection's address and scheme are the client's.
    /// </summary>
    public IReadOnlyList<System.Net.IPNetwork> TrustedProxies { get; init; } = [];

    /// <summary><c>--heartbeat-seconds</c> / <c>UPANEL_HEARTBEAT_SECONDS</c>: interval for new servers (5–3600).</summary>
    public int DefaultHeartbeatSeconds { get; init; } = 60;

    /// <summary><c>UPANEL_AGENT_IMAGE</c>: image repository for <c>update_url</c> when an admin sets only a target version.</summary>
    public string AgentImage { get; init; } = "ghcr.io/inte-team/upanel-agent";

    public long MaxBodyBytes { get; init; } = DefaultMaxBodyBytes;

    public int MaxContainers { get; init; } = 1000;

    /// <summary>How far a sample's timestamp may be ahead of the panel's clock (agent clock skew).</summary>
    public TimeSpan MaxFutureSkew { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How old a (queued) sample may be and still be accepted into history.</summary>
    public TimeSpan MaxSampleAge { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Per-server heartbeat rate and stored-bytes limits (429 with Retry-After beyond them).</summary>
    public Storage.HeartbeatQuota HeartbeatQuota { get; init; } = new();

    public TimeSpan RotationOverlap { get; init; } = TimeSpan.FromHours(24);

    public TimeSpan DefaultInstallTokenLifetime { get; init; } = TimeSpan.FromHours(24);

    public TimeSpan RetentionInterval { get; init; } = TimeSpan.FromHours(1);

    public string SqlitePath => Path.Combine(DataDirectory, "panel.db");

    public string AdminKeyPath => Path.Combine(DataDirectory, "admin-key");

    public string TokenKeyPath => Path.Combine(DataDirectory, "token.key");

    public bool UsesPostgres => !string.IsNullOrWhiteSpace(PostgresConnectionString);
}
