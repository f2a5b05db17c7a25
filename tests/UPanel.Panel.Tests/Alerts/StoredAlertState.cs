using UPanel.Panel.Storage;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Alerts;

/// <summary>
/// The alert state as its own table holds it, read apart from the evaluation's one statement: the reference that
/// statement is compared with, and what tests look at after an evaluation.
/// </summary>
internal static class StoredAlertState
{
    /// <summary>
    /// The stored state's version (0: none yet) and its JSON, left out (null) when the version is still
    /// <paramref name="knownVersion"/>, as the evaluation's read leaves it out.
    /// </summary>
    public static async Task<(long Version, string? Json)> LoadAlertStateAsync(this Reads reads, string serverId, long knownVersion = -1)
    {
        var command = reads.Command(
            "SELECT version, CASE WHEN version = @known THEN NULL ELSE state END AS state FROM alert_state WHERE server_id = @server");
        Db.Add(command, "server", serverId);
        Db.Add(command, "known", knownVersion);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        if (!await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            return (0, null);
        }

        var row = new Row(reader);
        return (row.RequiredInt64("version"), row.String("state"));
    }

    /// <summary><see cref="LoadAlertStateAsync(Reads, string, long)"/> on reads of their own.</summary>
    public static async Task<(long Version, string? Json)> LoadAlertStateAsync(this PanelHost panel, string serverId)
    {
        await using var reads = await panel.Store.BeginReadsAsync(TestContext.Current.CancellationToken);
        return await reads.LoadAlertStateAsync(serverId);
    }
}
