namespace UPanel.Panel.Storage;

/// <summary>The locks panels sharing one database take (<see cref="SqlDialect.LockAsync"/>); the values are PostgreSQL advisory lock keys.</summary>
internal enum PanelLock : long
{
    /// <summary>Schema migrations, one panel at a time.</summary>
    Migration = 7206541,

    /// <summary>Retention: one panel prunes at a time; the others skip that run.</summary>
    Retention = 7206542,

    /// <summary>Creating the first cookie key, so panels starting together agree on one.</summary>
    CookieKeys = 7206543,
}
