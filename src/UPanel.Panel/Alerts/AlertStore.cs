using System.Collections.Concurrent;
using System.Data.Common;
using System.Text.Json;
using UPanel.Panel.Api;
using UPanel.Panel.Storage;

namespace UPanel.Panel.Alerts;

/// <summary>
/// The alert tables (migration 004) over either engine: evaluator state, events, channels and the outbox. A state, its
/// events and their outbox rows are written in one transaction, so a crash never leaves an alert without its
/// notifications nor a notification without its alert.
/// </summary>
internal sealed class AlertStore(SqlDialect dialect)
{
    /// <summary>
    /// Stores the new state (when <paramref name="version"/> is still the stored one), its transitions as events, one
    /// outbox row per channel for each transition in <paramref name="sent"/> (the others were muted), and for each
    /// resend one per channel for the alert's latest firing event. False, with nothing written, when another evaluation
    /// got there first.
    /// </summary>
    public async Task<bool> CommitAsync(
        string serverId,
        long version,
        string stateJson,
        IReadOnlyList<AlertTransition> transitions,
        IReadOnlySet<AlertTransition> sent,
        IReadOnlyList<Resend> resends,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        using var turn = await dialect.WriteTurnAsync(cancellationToken);
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var state = Command(connection, transaction, version == 0
            ? "INSERT INTO alert_state (server_id, version, state) VALUES (@server, 1, @state) ON CONFLICT (server_id) DO NOTHING"
            : "UPDATE alert_state SET version = version + 1, state = @state WHERE server_id = @server AND version = @version"))
        {
            Db.Add(state, "server", serverId);
            Db.Add(state, "state", stateJson);
            Db.Add(state, "version", version);
            if (await state.ExecuteNonQueryAsync(cancellationToken) != 1)
            {
                await transaction.RollbackAsync(cancellationToken);
                return false;
            }
        }

        foreach (var transition in transitions)
        {
            long eventId;
            await using (var insert = Command(connection, transaction, """
                INSERT INTO alert_events (server_id, kind, container, firing, summary, at, muted)
                VALUES (@server, @kind, @container, @firing, @summary, @at, @muted) RETURNING id
                """))
            {
                Db.Add(insert, "server", serverId);
                Db.Add(insert, "kind", AlertNames.Of(transition.Key.Kind));
                Db.Add(insert, "container", transition.Key.Container);
                Db.Add(insert, "firing", transition.Firing);
                Db.Add(insert, "summary", transition.Summary);
                Db.Add(insert, "at", transition.At);
                Db.Add(insert, "muted", !sent.Contains(transition));
                eventId = (long)(await insert.ExecuteScalarAsync(cancellationToken))!;
            }

            if (sent.Contains(transition))
            {
                await EnqueueAsync(connection, transaction, eventId, 0, now, cancellationToken);
            }
        }

        foreach (var resend in resends)
        {
            await using var latest = Command(connection, transaction, """
                SELECT id FROM alert_events
                WHERE server_id = @server AND kind = @kind AND (container = @container OR (container IS NULL AND @container IS NULL)) AND firing
                ORDER BY id DESC LIMIT 1
                """);
            Db.Add(latest, "server", serverId);
            Db.Add(latest, "kind", AlertNames.Of(resend.Key.Kind));
            Db.Add(latest, "container", resend.Key.Container);
            if (await latest.ExecuteScalarAsync(cancellationToken) is { } eventId)
            {
                await EnqueueAsync(connection, transaction, Convert.ToInt64(eventId, System.Globalization.CultureInfo.InvariantCulture), resend.Repeat, now, cancellationToken);
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    private static async Task EnqueueAsync(DbConnection connection, DbTransaction transaction, long eventId, int repeat, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var outbox = Command(connection, transaction, """
            INSERT INTO alert_outbox (event_id, channel_id, next_attempt_at, repeat_number) SELECT @event, id, @now, @repeat FROM alert_channels
            """);
        Db.Add(outbox, "event", eventId);
        Db.Add(outbox, "now", now);
        Db.Add(outbox, "repeat", repeat);
        await outbox.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task AddMuteAsync(string id, AlertMute mute, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var turn = await dialect.WriteTurnAsync(cancellationToken);
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, "INSERT INTO alert_mutes (id, server_id, container, until, created_at) VALUES (@id, @server, @container, @until, @now)");
        Db.Add(command, "id", id);
        Db.Add(command, "server", mute.ServerId);
        Db.Add(command, "container", mute.Container);
        Db.Add(command, "until", mute.Until);
        Db.Add(command, "now", now);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The mutes not yet ended at <paramref name="now"/> (of one server when named), soonest end first.</summary>
    public async Task<IReadOnlyList<StoredMute>> ListMutesAsync(DateTimeOffset now, string? serverId, CancellationToken cancellationToken)
    {
        await using var reads = await Reads.OpenAsync(dialect, together: false, cancellationToken);
        return await ListMutesAsync(reads, now, serverId, cancellationToken);
    }

    /// <summary><see cref="ListMutesAsync(DateTimeOffset, string?, CancellationToken)"/> on <paramref name="reads"/>.</summary>
    public async Task<IReadOnlyList<StoredMute>> ListMutesAsync(Reads reads, DateTimeOffset now, string? serverId, CancellationToken cancellationToken)
    {
        var command = reads.Command("""
            SELECT m.id, s.hostname, m.server_id, m.container, m.until, m.created_at
            FROM alert_mutes m JOIN servers s ON s.id = m.server_id
            WHERE m.until > @now AND (@server IS NULL OR m.server_id = @server) ORDER BY m.until, m.id
            """);
        Db.Add(command, "now", now);
        Db.Add(command, "server", serverId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var mutes = new List<StoredMute>();
        var row = new Row(reader);
        while (await reader.ReadAsync(cancellationToken))
        {
            mutes.Add(new StoredMute(
                row.RequiredString("id"),
                row.RequiredString("hostname"),
                new AlertMute(row.RequiredString("server_id"), row.String("container"), row.RequiredTime("until")),
                row.RequiredTime("created_at")));
        }

        return mutes;
    }

    /// <summary>The server the mute was for; null when there is no such mute.</summary>
    public async Task<string?> DeleteMuteAsync(string id, CancellationToken cancellationToken)
    {
        using var turn = await dialect.WriteTurnAsync(cancellationToken);
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, "DELETE FROM alert_mutes WHERE id = @id RETURNING server_id");
        Db.Add(command, "id", id);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>
    /// Records a heartbeat refused for its token that named <paramref name="serverId"/>: false (nothing written) when
    /// there is no such server or it is revoked. That server's failures older than a day go.
    /// </summary>
    public async Task<bool> RecordTokenFailureAsync(string serverId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Read first: an unauthenticated request naming no live server must not take a write turn (SQLite has one writer).
        await using (var reading = await dialect.OpenAsync(cancellationToken))
        await using (var live = Command(reading, null, "SELECT COUNT(*) FROM servers WHERE id = @server AND revoked_at IS NULL"))
        {
            Db.Add(live, "server", serverId);
            if (Convert.ToInt64(await live.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) == 0)
            {
                return false;
            }
        }

        using var turn = await dialect.WriteTurnAsync(cancellationToken);
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var insert = Command(connection, transaction, "INSERT INTO token_failures (server_id, at) SELECT id, @now FROM servers WHERE id = @server AND revoked_at IS NULL");
        Db.Add(insert, "server", serverId);
        Db.Add(insert, "now", now);
        if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            await transaction.RollbackAsync(cancellationToken);
            return false;
        }

        await using var prune = Command(connection, transaction, "DELETE FROM token_failures WHERE server_id = @server AND at < @old");
        Db.Add(prune, "server", serverId);
        Db.Add(prune, "old", now - TimeSpan.FromDays(1));
        await prune.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>When heartbeats naming the server were refused for their token since <paramref name="since"/>, oldest first.</summary>
    public async Task<IReadOnlyList<DateTimeOffset>> ListTokenFailuresAsync(string serverId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        await using var reads = await Reads.OpenAsync(dialect, together: false, cancellationToken);
        return await ListTokenFailuresAsync(reads, serverId, since, cancellationToken);
    }

    /// <summary><see cref="ListTokenFailuresAsync(string, DateTimeOffset, CancellationToken)"/> on <paramref name="reads"/>.</summary>
    public async Task<IReadOnlyList<DateTimeOffset>> ListTokenFailuresAsync(Reads reads, string serverId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var command = reads.Command("SELECT at FROM token_failures WHERE server_id = @server AND at >= @since ORDER BY at");
        Db.Add(command, "server", serverId);
        Db.Add(command, "since", since);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var failures = new List<DateTimeOffset>();
        var row = new Row(reader);
        while (await reader.ReadAsync(cancellationToken))
        {
            failures.Add(row.RequiredTime("at"));
        }

        return failures;
    }

    /// <summary>The <c>alert_rules</c> scope of the panel-wide settings (any other scope is a server id).</summary>
    public const string PanelScope = "*";

    /// <summary>The settings stored for <paramref name="scope"/> (<see cref="PanelScope"/> or a server id); empty when none.</summary>
    public async Task<AlertRuleSettings> GetRuleSettingsAsync(string scope, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, "SELECT settings FROM alert_rules WHERE scope = @scope");
        Db.Add(command, "scope", scope);
        return await command.ExecuteScalarAsync(cancellationToken) is string json
            ? JsonSerializer.Deserialize(json, PanelJsonContext.Default.AlertRuleSettings) ?? new()
            : new();
    }

    public async Task SetRuleSettingsAsync(string scope, AlertRuleSettings settings, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var turn = await dialect.WriteTurnAsync(cancellationToken);
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, """
            INSERT INTO alert_rules (scope, settings, updated_at) VALUES (@scope, @settings, @now)
            ON CONFLICT (scope) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at
            """);
        Db.Add(command, "scope", scope);
        Db.Add(command, "settings", JsonSerializer.Serialize(settings, PanelJsonContext.Default.AlertRuleSettings));
        Db.Add(command, "now", now);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The rules in effect for a server: the defaults, then the panel-wide settings, then the server's own.</summary>
    public async Task<AlertRules> RulesForAsync(string serverId, CancellationToken cancellationToken)
    {
        await using var reads = await Reads.OpenAsync(dialect, together: false, cancellationToken);
        return await RulesForAsync(reads, serverId, cancellationToken);
    }

    /// <summary><see cref="RulesForAsync(string, CancellationToken)"/> on <paramref name="reads"/>.</summary>
    public async Task<AlertRules> RulesForAsync(Reads reads, string serverId, CancellationToken cancellationToken)
    {
        // Both scopes in one read: the alert evaluation asks for every heartbeat.
        string? panelJson = null, serverJson = null;
        var command = reads.Command("SELECT scope, settings FROM alert_rules WHERE scope = @panel OR scope = @server");
        Db.Add(command, "panel", PanelScope);
        Db.Add(command, "server", serverId);
        foreach (var (scope, settings) in await Db.ListAsync(command, row => (row.RequiredString("scope"), row.RequiredString("settings")), cancellationToken))
        {
            if (scope == PanelScope)
            {
                panelJson = settings;
            }
            else
            {
                serverJson = settings;
            }
        }

        return Rules(panelJson, serverJson);
    }

    /// <summary>
    /// The rules in effect from the stored settings' texts (panel-wide, the server's own; null: none stored): the defaults,
    /// then the panel-wide settings, then the server's own.
    /// </summary>
    public AlertRules Rules(string? panelJson, string? serverJson)
    {
        // The rules are a function of the two texts just read, so they are kept by them: a change by any panel on the
        // database is a new text, and its first read parses it (docs/decisions/ingest-throughput.md, ninth pass).
        var key = (panelJson, serverJson);
        if (_rules.TryGetValue(key, out var known))
        {
            return known;
        }

        var rules = Parse(serverJson).Apply(Parse(panelJson).Apply(new AlertRules()));
        if (_rules.Count >= MaxKeptRules)
        {
            _rules.Clear();
        }

        _rules[key] = rules;
        return rules;

        static AlertRuleSettings Parse(string? json) =>
            json is null ? new() : JsonSerializer.Deserialize(json, PanelJsonContext.Default.AlertRuleSettings) ?? new();
    }

    // The rules in effect by the stored texts they come from (panel-wide, the server's own; null: none stored). Read by
    // the evaluation loop and the API at once; emptied when it reaches its bound.
    private readonly ConcurrentDictionary<(string? Panel, string? Server), AlertRules> _rules = new();

    /// <summary>How many sets of rules (distinct pairs of stored settings) <see cref="RulesForAsync(Reads, string, CancellationToken)"/> keeps at most.</summary>
    public const int MaxKeptRules = 1_000;

    /// <summary>
    /// The rules in effect for any server, from one read of <c>alert_rules</c> (for a list of servers): its own settings
    /// over the panel-wide ones over the defaults, as <see cref="RulesForAsync"/>.
    /// </summary>
    public async Task<Func<string, AlertRules>> RulesForEveryServerAsync(CancellationToken cancellationToken)
    {
        var stored = new Dictionary<string, AlertRuleSettings>(StringComparer.Ordinal);
        await using (var connection = await dialect.OpenAsync(cancellationToken))
        await using (var command = Command(connection, null, "SELECT scope, settings FROM alert_rules"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            var row = new Row(reader);
            while (await reader.ReadAsync(cancellationToken))
            {
                stored[row.RequiredString("scope")] = JsonSerializer.Deserialize(row.RequiredString("settings"), PanelJsonContext.Default.AlertRuleSettings) ?? new();
            }
        }

        var panel = (stored.GetValueOrDefault(PanelScope) ?? new()).Apply(new AlertRules());
        return serverId => stored.TryGetValue(serverId, out var own) ? own.Apply(panel) : panel;
    }

    public async Task AddChannelAsync(AlertChannel channel, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var turn = await dialect.WriteTurnAsync(cancellationToken);
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, "INSERT INTO alert_channels (id, kind, url, secret, created_at, email) VALUES (@id, @kind, @url, @secret, @now, @email)");
        Db.Add(command, "id", channel.Id);
        Db.Add(command, "kind", channel.Kind);
        Db.Add(command, "url", channel.Url);
        Db.Add(command, "secret", channel.Secret);
        Db.Add(command, "now", now);
        Db.Add(command, "email", channel.Email is { } email ? JsonSerializer.Serialize(email, PanelJsonContext.Default.EmailSettings) : null);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<AlertChannel>> ListChannelsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, "SELECT id, kind, url, secret, created_at, email FROM alert_channels ORDER BY created_at, id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var channels = new List<AlertChannel>();
        var row = new Row(reader);
        while (await reader.ReadAsync(cancellationToken))
        {
            channels.Add(ReadChannel(row, ""));
        }

        return channels;
    }

    /// <summary>False when there is no such channel. Its undelivered notifications go with it.</summary>
    public async Task<bool> DeleteChannelAsync(string id, CancellationToken cancellationToken)
    {
        using var turn = await dialect.WriteTurnAsync(cancellationToken);
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, "DELETE FROM alert_channels WHERE id = @id");
        Db.Add(command, "id", id);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Newest first; of one server and one kind (its storage name) when given.</summary>
    public async Task<IReadOnlyList<AlertEvent>> ListEventsAsync(int limit, CancellationToken cancellationToken, string? serverId = null, string? kind = null)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, """
            SELECT e.id, e.server_id, s.hostname, e.kind, e.container, e.firing, e.summary, e.at, e.muted
            FROM alert_events e JOIN servers s ON s.id = e.server_id
            WHERE (@server IS NULL OR e.server_id = @server) AND (@kind IS NULL OR e.kind = @kind)
            ORDER BY e.id DESC LIMIT @limit
            """);
        Db.Add(command, "limit", limit);
        Db.Add(command, "server", serverId);
        Db.Add(command, "kind", kind);
        return await ReadEventsAsync(command, cancellationToken);
    }

    /// <summary>
    /// The alerts firing now (an alert's latest event fired), of one server when named, oldest first; revoked servers
    /// are no longer evaluated and left out.
    /// </summary>
    public async Task<IReadOnlyList<AlertEvent>> ListFiringAsync(string? serverId, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, """
            SELECT e.id, e.server_id, s.hostname, e.kind, e.container, e.firing, e.summary, e.at, e.muted
            FROM alert_events e JOIN servers s ON s.id = e.server_id
            WHERE e.firing AND s.revoked_at IS NULL AND (@server IS NULL OR e.server_id = @server)
              AND NOT EXISTS (
                SELECT 1 FROM alert_events later
                WHERE later.server_id = e.server_id AND later.kind = e.kind AND later.id > e.id
                  AND (later.container = e.container OR (later.container IS NULL AND e.container IS NULL)))
            ORDER BY e.id
            """);
        Db.Add(command, "server", serverId);
        return await ReadEventsAsync(command, cancellationToken);
    }

    /// <summary>
    /// The delivery log of alert <paramref name="eventId"/>, or, with <paramref name="fromEventId"/>, of every alert
    /// from that id on (for a page of alerts); by alert, then channel order. Null when there is no such alert.
    /// </summary>
    public async Task<IReadOnlyList<Delivery>?> ListDeliveriesAsync(long? eventId, long? fromEventId, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        if (eventId is not null)
        {
            await using var exists = Command(connection, null, "SELECT COUNT(*) FROM alert_events WHERE id = @id");
            Db.Add(exists, "id", eventId);
            if (Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) == 0)
            {
                return null;
            }
        }

        await using var command = Command(connection, null, """
            SELECT o.event_id, o.channel_id, c.kind, o.repeat_number, o.attempts, o.next_attempt_at, o.delivered_at, o.last_error
            FROM alert_outbox o JOIN alert_channels c ON c.id = o.channel_id
            WHERE (@event IS NULL OR o.event_id = @event) AND (@from IS NULL OR o.event_id >= @from)
            ORDER BY o.event_id, o.id
            """);
        Db.Add(command, "event", eventId);
        Db.Add(command, "from", fromEventId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var deliveries = new List<Delivery>();
        var row = new Row(reader);
        while (await reader.ReadAsync(cancellationToken))
        {
            deliveries.Add(new Delivery(
                row.RequiredInt64("event_id"),
                row.RequiredString("channel_id"),
                row.RequiredString("kind"),
                (int)row.RequiredInt64("repeat_number"),
                (int)row.RequiredInt64("attempts"),
                row.RequiredTime("next_attempt_at"),
                row.Time("delivered_at"),
                row.String("last_error")));
        }

        return deliveries;
    }

    private static async Task<IReadOnlyList<AlertEvent>> ReadEventsAsync(DbCommand command, CancellationToken cancellationToken)
    {
        return await Db.ListAsync(command, ReadEvent, cancellationToken);
    }

    /// <summary>
    /// Leases up to <paramref name="max"/> notifications due at <paramref name="now"/> until <paramref name="leaseUntil"/>:
    /// a row leased by one panel is not taken by another (the lease is checked again on the row being updated).
    /// </summary>
    public async Task<IReadOnlyList<Notification>> ClaimAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int max, CancellationToken cancellationToken)
    {
        var claimed = new List<long>();
        using (await dialect.WriteTurnAsync(cancellationToken))
        {
            await using var connection = await dialect.OpenAsync(cancellationToken);
            await using var claim = Command(connection, null, """
                UPDATE alert_outbox SET lease_until = @lease, attempts = attempts + 1
                WHERE id IN (SELECT id FROM alert_outbox WHERE delivered_at IS NULL AND next_attempt_at <= @now AND lease_until <= @now ORDER BY id LIMIT @max)
                  AND delivered_at IS NULL AND lease_until <= @now
                RETURNING id
                """);
            Db.Add(claim, "lease", leaseUntil);
            Db.Add(claim, "now", now);
            Db.Add(claim, "max", max);
            await using var reader = await claim.ExecuteReaderAsync(cancellationToken);
            var row = new Row(reader);
            while (await reader.ReadAsync(cancellationToken))
            {
                claimed.Add(row.RequiredInt64("id"));
            }
        }

        var notifications = new List<Notification>();
        await using var details = await dialect.OpenAsync(cancellationToken);
        foreach (var id in claimed.Order())
        {
            await using var command = Command(details, null, """
                SELECT e.id, e.server_id, s.hostname, e.kind, e.container, e.firing, e.summary, e.at, e.muted,
                       o.id AS outbox_id, o.attempts, o.repeat_number,
                       c.id AS channel_id, c.kind AS channel_kind, c.url AS channel_url, c.secret AS channel_secret,
                       c.created_at AS channel_created_at, c.email AS channel_email
                FROM alert_outbox o JOIN alert_events e ON e.id = o.event_id JOIN servers s ON s.id = e.server_id
                JOIN alert_channels c ON c.id = o.channel_id WHERE o.id = @id
                """);
            Db.Add(command, "id", id);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                var row = new Row(reader);
                notifications.Add(new Notification(
                    row.RequiredInt64("outbox_id"),
                    (int)row.RequiredInt64("attempts"),
                    (int)row.RequiredInt64("repeat_number"),
                    ReadEvent(row),
                    ReadChannel(row, "channel_")));
            }
        }

        return notifications;
    }

    public Task DeliveredAsync(long outboxId, DateTimeOffset now, CancellationToken cancellationToken) =>
        UpdateOutboxAsync("UPDATE alert_outbox SET delivered_at = @now, last_error = NULL WHERE id = @id", outboxId, now, null, cancellationToken);

    /// <summary>Not delivered: tried again at <paramref name="nextAttemptAt"/> (by whichever panel is there first).</summary>
    public Task FailedAsync(long outboxId, DateTimeOffset nextAttemptAt, string error, CancellationToken cancellationToken) =>
        UpdateOutboxAsync("UPDATE alert_outbox SET next_attempt_at = @now, lease_until = 0, last_error = @error WHERE id = @id", outboxId, nextAttemptAt, error, cancellationToken);

    private async Task UpdateOutboxAsync(string sql, long outboxId, DateTimeOffset now, string? error, CancellationToken cancellationToken)
    {
        using var turn = await dialect.WriteTurnAsync(cancellationToken);
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, sql);
        Db.Add(command, "id", outboxId);
        Db.Add(command, "now", now);
        Db.Add(command, "error", error);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// A channel from the columns id, kind, url, secret, created_at and email, each named with <paramref name="prefix"/>
    /// in front (a query that also reads an event's id and kind names the channel's <c>channel_id</c>, <c>channel_kind</c>…).
    /// </summary>
    private static AlertChannel ReadChannel(Row row, string prefix) => new(
        row.RequiredString(prefix + "id"),
        row.RequiredString(prefix + "kind"),
        row.RequiredString(prefix + "url"),
        row.String(prefix + "secret"),
        row.RequiredTime(prefix + "created_at"),
        row.String(prefix + "email") is { } email ? JsonSerializer.Deserialize(email, PanelJsonContext.Default.EmailSettings) : null);

    /// <summary>An event from the columns id, server_id, hostname, kind, container, firing, summary, at and muted.</summary>
    private static AlertEvent ReadEvent(Row row) => new(
        row.RequiredInt64("id"),
        row.RequiredString("server_id"),
        row.RequiredString("hostname"),
        row.RequiredString("kind"),
        row.String("container"),
        row.RequiredBool("firing"),
        row.RequiredString("summary"),
        row.RequiredTime("at"),
        row.RequiredBool("muted"));

    private static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }
}
