using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests;

// The same suites on both storage engines. Each class gets its own panel and database (class fixture).
public sealed class RegisterTestsOnSqlite(SqlitePanelFixture fixture) : RegisterTests<SqlitePanelFixture>(fixture);

public sealed class RegisterTestsOnPostgres(PostgresPanelFixture fixture) : RegisterTests<PostgresPanelFixture>(fixture);

public sealed class HeartbeatTestsOnSqlite(SqlitePanelFixture fixture) : HeartbeatTests<SqlitePanelFixture>(fixture);

public sealed class HeartbeatTestsOnPostgres(PostgresPanelFixture fixture) : HeartbeatTests<PostgresPanelFixture>(fixture);

public sealed class TokenTestsOnSqlite(SqlitePanelFixture fixture) : TokenTests<SqlitePanelFixture>(fixture);

public sealed class TokenTestsOnPostgres(PostgresPanelFixture fixture) : TokenTests<PostgresPanelFixture>(fixture);

public sealed class MalformedBodyTestsOnSqlite(SqlitePanelFixture fixture) : MalformedBodyTests<SqlitePanelFixture>(fixture);

public sealed class MalformedBodyTestsOnPostgres(PostgresPanelFixture fixture) : MalformedBodyTests<PostgresPanelFixture>(fixture);

public sealed class RetentionTestsOnSqlite(SqlitePanelFixture fixture) : RetentionTests<SqlitePanelFixture>(fixture);

public sealed class RetentionTestsOnPostgres(PostgresPanelFixture fixture) : RetentionTests<PostgresPanelFixture>(fixture);

public sealed class ReRegistrationTestsOnSqlite(SqlitePanelFixture fixture) : Security.ReRegistrationTests<SqlitePanelFixture>(fixture);

public sealed class ReRegistrationTestsOnPostgres(PostgresPanelFixture fixture) : Security.ReRegistrationTests<PostgresPanelFixture>(fixture);

public sealed class HeartbeatQuotaTestsOnSqlite(SqlitePanelFixture fixture) : Security.HeartbeatQuotaTests<SqlitePanelFixture>(fixture);

public sealed class HeartbeatQuotaTestsOnPostgres(PostgresPanelFixture fixture) : Security.HeartbeatQuotaTests<PostgresPanelFixture>(fixture);

public sealed class TrustedProxyTestsOnSqlite(SqlitePanelFixture fixture) : Security.TrustedProxyTests<SqlitePanelFixture>(fixture);

public sealed class TrustedProxyTestsOnPostgres(PostgresPanelFixture fixture) : Security.TrustedProxyTests<PostgresPanelFixture>(fixture);

public sealed class HostileInputTestsOnSqlite(SqlitePanelFixture fixture) : Security.HostileInputTests<SqlitePanelFixture>(fixture);

public sealed class HostileInputTestsOnPostgres(PostgresPanelFixture fixture) : Security.HostileInputTests<PostgresPanelFixture>(fixture);

public sealed class SeedBodyTestsOnSqlite(SqlitePanelFixture fixture) : SeedBodyTests<SqlitePanelFixture>(fixture);

public sealed class SeedBodyTestsOnPostgres(PostgresPanelFixture fixture) : SeedBodyTests<PostgresPanelFixture>(fixture);

public sealed class HeartbeatWriterTestsOnSqlite(SqlitePanelFixture fixture) : Storage.HeartbeatWriterTests<SqlitePanelFixture>(fixture);

public sealed class HistoryStoreTestsOnSqlite(SqlitePanelFixture fixture) : Storage.HistoryStoreTests<SqlitePanelFixture>(fixture);

public sealed class LatestStateTestsOnSqlite(SqlitePanelFixture fixture) : LatestStateTests<SqlitePanelFixture>(fixture);

public sealed class LatestStateTestsOnPostgres(PostgresPanelFixture fixture) : LatestStateTests<PostgresPanelFixture>(fixture);

public sealed class AlertEvaluationReadsTestsOnSqlite(SqlitePanelFixture fixture) : Storage.AlertEvaluationReadsTests<SqlitePanelFixture>(fixture);

public sealed class AlertEvaluationReadsTestsOnPostgres(PostgresPanelFixture fixture) : Storage.AlertEvaluationReadsTests<PostgresPanelFixture>(fixture);

public sealed class LatestHeartbeatJsonTestsOnSqlite(SqlitePanelFixture fixture) : LatestHeartbeatJsonTests<SqlitePanelFixture>(fixture);

public sealed class LatestHeartbeatJsonTestsOnPostgres(PostgresPanelFixture fixture) : LatestHeartbeatJsonTests<PostgresPanelFixture>(fixture);
