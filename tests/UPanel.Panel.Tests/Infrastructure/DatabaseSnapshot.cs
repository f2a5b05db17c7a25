using System.Globalization;
using System.Text;

namespace UPanel.Panel.Tests.Infrastructure;

/// <summary>Every row of every table as text: to prove a request wrote nothing, and that no plaintext token is kept.</summary>
internal static class DatabaseSnapshot
{
    public static async Task<IReadOnlyList<string>> TakeAsync(PanelFixture fixture)
    {
        await using var connection = await fixture.OpenDatabaseAsync();
        var tables = new List<string>();
        await using (var list = connection.CreateCommand())
        {
            list.CommandText = fixture.ListTablesSql;
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        Assert.Contains("servers", tables);
        var rows = new List<string>();

        // The alert tables are written by the panel's alert service in the background, after a heartbeat was stored
        // (its evaluation may land between two snapshots), never by the request under test.
        foreach (var table in tables.Where(t => !t.StartsWith("alert_", StringComparison.Ordinal)))
        {
            await using var select = connection.CreateCommand();
            select.CommandText = $"SELECT * FROM {table}";
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var row = new StringBuilder(table);
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    row.Append('|').Append(reader.GetName(i)).Append('=')
                        .Append(reader.IsDBNull(i) ? "NULL" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture));
                }

                rows.Add(row.ToString());
            }
        }

        rows.Sort(StringComparer.Ordinal);
        return rows;
    }
}
