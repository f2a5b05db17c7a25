using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using UPanel.Contracts;
using UPanel.Panel.Alerts;
using UPanel.Panel.Api;
using UPanel.Panel.Api.Auth;
using UPanel.Panel.Pages;
using UPanel.Panel.Storage;
using UPanel.Panel.Tokens;

namespace UPanel.Panel.Hosting;

/// <summary>Builds the panel: services, storage (migrated), admin key, endpoints and the OpenAPI document.</summary>
internal static class PanelApp
{
    /// <summary>The agent API, served at /openapi/v1.json and committed as docs/openapi.json.</summary>
    public const string OpenApiDocument = "v1";

    /// <summary>The admin API, served at /openapi/admin.json and committed as docs/openapi-admin.json.</summary>
    public const string AdminOpenApiDocument = "admin";

    /// <summary>
    /// The host's configuration files (appsettings.json, optional and unused by the panel) are read once, not watched:
    /// watching them watches the whole content root (the working directory) and every directory under it, and with the
    /// data directory there (the default <c>./data</c>) each write to the database's files woke a watcher thread that
    /// checked the file, 6 % of the panel's CPU under the ingest bench's load (docs/decisions/ingest-throughput.md,
    /// eighth pass). Given before the panel's own host arguments, so one of those can still turn it back on.
    /// </summary>
    internal const string NoConfigReload = "--hostBuilder:reloadConfigOnChange=false";

    private static readonly byte[] HealthzBody = "ok"u8.ToArray();

    /// <param name="configure">Lets tests swap logging or add services before the app is built.</param>
    public static async Task<WebApplication> CreateAsync(
        PanelOptions options,
        string[] hostArgs,
        TimeProvider time,
        Action<WebApplicationBuilder>? configure = null,
        CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [NoConfigReload, .. hostArgs] });
        // One line per event with a UTC time; ASP.NET Core's per-request lines only from Warning (an agent per minute
        // per server would otherwise drown the panel's own messages). Logging__LogLevel__* still overrides.
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.UseUtcTimestamp = true;
            console.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss'Z' ";
        });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // Off: with this category enabled at any level, ASP.NET Core's hosting starts an Activity and a logging scope for
        // every request (its per-request lines are Information, filtered above). It says nothing else the panel's own
        // messages do not: a start-up exception still ends Program with it (docs/decisions/ingest-throughput.md,
        // eleventh pass, alongside).
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        // The schemes' "was challenged" lines: one per refused request, as with ASP.NET Core's own.
        builder.Logging.AddFilter("UPanel.Panel.Api.Auth", LogLevel.Warning);
        // The host's Error events are "Hosting failed to start", a stack trace Program.cs says in two lines (cannot
        // listen / fix) or lets through as the exception, and "BackgroundService failed", which its Critical
        // "stopping the host" event repeats with the same exception.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // The panel's own cap (MaxBodyBytes) answers 413; Kestrel's is the hard stop past what it drains.
            kestrel.Limits.MaxRequestBodySize = RequestBody.DrainLimit(options.MaxBodyBytes);
        });
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            // The same conventions as the source-generated contexts, so the OpenAPI schemas show the real wire:
            // snake_case, numbers only as numbers, nulls omitted.
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
            json.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, ContractsJsonContext.Default);
            json.SerializerOptions.TypeInfoResolverChain.Insert(1, PanelJsonContext.Default);
            json.SerializerOptions.TypeInfoResolverChain.Insert(2, PagesJsonContext.Default);
        });

        if (!options.UsesPostgres)
        {
            SecretFile.EnsureDirectory(options.DataDirectory);
        }

        SqlDialect dialect = options.UsesPostgres ? new PostgresDialect(options.PostgresConnectionString!) : new SqliteDialect(options.SqlitePath);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton<UnhandledErrors>();
        builder.Services.AddSingleton<IPanelStore>(services => new SqlPanelStore(dialect, time, services.GetRequiredService<ILogger<SqlPanelStore>>()));
        builder.Services.AddSingleton(services => new TokenSealer(TokenKey.Load(options, services.GetRequiredService<ILoggerFactory>().CreateLogger("UPanel.Panel.Tokens"))));
        builder.Services.AddSingleton<AdminGuard>();
        builder.Services.AddSingleton<InstallTokenIssuer>();
        builder.Services.AddSingleton<AgentAuthenticator>();
        builder.Services.AddSingleton<AgentEndpoints>();
        builder.Services.AddSingleton<AdminEndpoints>();
        builder.Services.AddSingleton<PageEndpoints>();
        builder.Services.AddSingleton(_ => new SignInThrottle(dialect, time));
        var dataProtection = builder.Services.AddDataProtection().SetApplicationName("upanel-panel");
        if (options.UsesPostgres)
        {
            // In the database, sealed with the token key: a cookie from one panel is good at every panel on it.
            builder.Services.AddSingleton(services => new CookieKeyRepository(
                dialect, services.GetRequiredService<TokenSealer>(), time, services.GetRequiredService<ILoggerFactory>().CreateLogger("UPanel.Panel.Storage")));
            builder.Services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(services =>
                new ConfigureOptions<KeyManagementOptions>(keys => keys.XmlRepository = services.GetRequiredService<CookieKeyRepository>()));
        }
        else
        {
            // Cookie keys in the data directory: a restart keeps people signed in. Each key is a 0600 file
            // (FileSystemXmlRepository) in a 0700 directory of its own, made so here (it was 0755 before), so a data
            // directory open to others does not show them either.
            var keyDirectory = Path.Combine(options.DataDirectory, "cookie-keys");
            SecretFile.EnsureDirectory(keyDirectory);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(keyDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            dataProtection.PersistKeysToFileSystem(new DirectoryInfo(keyDirectory));
        }

        // XmlKeyManager warns "No XML encryptor configured. Key ... may be persisted to storage in unencrypted form" at
        // every key it creates. The keys are protected without one: on PostgreSQL the repository seals each key with the
        // token key; on SQLite they are 0600 files in a 0700 directory, beside the token key itself (an encryptor with
        // it would add nothing). Below Error, that category says nothing else a panel operator acts on.
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager", LogLevel.Error);

        builder.Services.AddAntiforgery(antiforgery =>
        {
            antiforgery.Cookie.Name = "upanel_antiforgery";
            antiforgery.Cookie.SameSite = SameSiteMode.Strict;
            antiforgery.Cookie.HttpOnly = true;
            antiforgery.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        builder.Services.AddAuthentication(AuthSchemes.Cookie)
            .AddCookie(AuthSchemes.Cookie, cookie =>
            {
                cookie.Cookie.Name = "upanel_session";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Strict;
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                cookie.ExpireTimeSpan = TimeSpan.FromHours(12);
                cookie.SlidingExpiration = true;
                cookie.LoginPath = "/signin";
                cookie.ReturnUrlParameter = "return";
                cookie.Events.OnRedirectToLogin = context =>
                {
                    // The JSON the pages poll answers 401; a page goes to the sign-in form.
                    if (context.Request.Path.StartsWithSegments("/ui"))
                    {
                        return ApiErrors.WriteAsync(context.HttpContext, StatusCodes.Status401Unauthorized, "sign in first");
                    }

                    context.Response.Redirect(context.RedirectUri);
                    return Task.CompletedTask;
                };
            })
            .AddScheme<AuthenticationSchemeOptions, AdminBearerHandler>(AuthSchemes.AdminBearer, configureOptions: null);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(AuthSchemes.AdminApi, policy => policy.AddAuthenticationSchemes(AuthSchemes.AdminBearer).RequireAuthenticatedUser())
            .AddPolicy(AuthSchemes.Pages, policy => policy.AddAuthenticationSchemes(AuthSchemes.Cookie).RequireAuthenticatedUser());
        if (dialect is SqliteDialect sqlite)
        {
            builder.Services.AddSingleton(services => new SqliteCheckpointer(sqlite, time, services.GetRequiredService<ILogger<SqliteCheckpointer>>()));
            builder.Services.AddHostedService(services => services.GetRequiredService<SqliteCheckpointer>());
        }
        else if (dialect is PostgresDialect postgres)
        {
            // Other panels and writers' changes to what the store's credentials cache keeps, told by PostgreSQL.
            builder.Services.AddSingleton(services => new CredentialsListener(
                postgres, ((SqlPanelStore)services.GetRequiredService<IPanelStore>()).Credentials, time, services.GetRequiredService<ILogger<CredentialsListener>>()));
            builder.Services.AddHostedService(services => services.GetRequiredService<CredentialsListener>());
        }

        builder.Services.AddSingleton<RetentionService>();
        builder.Services.AddHostedService(services => services.GetRequiredService<RetentionService>());
        builder.Services.AddSingleton(_ => new AlertStore(dialect));
        builder.Services.AddSingleton<EmailSender>();
        builder.Services.AddSingleton<NotificationSender>();
        builder.Services.AddHostedService(services => services.GetRequiredService<NotificationSender>());
        builder.Services.AddSingleton<AlertService>();
        builder.Services.AddSingleton<TokenFailures>();
        builder.Services.AddHostedService(services => services.GetRequiredService<AlertService>());
        builder.Services.AddSingleton<AlertEndpoints>();
        builder.Services.AddSingleton<Pages.AlertPages>();
        builder.Services.AddSingleton<Pages.OneTimeNotice>();
        builder.Services.AddOpenApi(OpenApiDocument, openApi =>
        {
            openApi.ShouldInclude = description => description.GroupName == AgentEndpoints.GroupName;
            openApi.AddDocumentTransformer(OpenApiDocumentTransformer.TransformAsync);
            openApi.AddSchemaTransformer(OpenApiDocumentTransformer.TransformSchemaAsync);
            openApi.AddOperationTransformer(OpenApiDocumentTransformer.TransformOperationAsync);
        });
        builder.Services.AddOpenApi(AdminOpenApiDocument, openApi =>
        {
            openApi.ShouldInclude = description => description.GroupName == AdminEndpoints.GroupName;
            openApi.AddDocumentTransformer(OpenApiDocumentTransformer.TransformAsync);
            openApi.AddSchemaTransformer(OpenApiDocumentTransformer.TransformSchemaAsync);
            openApi.AddOperationTransformer(OpenApiDocumentTransformer.TransformOperationAsync);
        });
        configure?.Invoke(builder);

        var app = builder.Build();
        var store = app.Services.GetRequiredService<IPanelStore>();
        await store.MigrateAsync(cancellationToken);
        var storageLogger = app.Services.GetRequiredService<ILogger<SqlPanelStore>>();
        Storage.Log.StoreOpened(
            storageLogger,
            store.Engine,
            options.UsesPostgres ? "connection string from UPANEL_POSTGRES / UPANEL_POSTGRES_FILE" : Path.GetFullPath(options.SqlitePath));
        _ = app.Services.GetRequiredService<TokenSealer>();
        if (options.UsesPostgres)
        {
            await app.Services.GetRequiredService<CookieKeyRepository>().EnsureKeyAsync(app.Services.GetRequiredService<IKeyManager>(), cancellationToken);
        }

        await app.Services.GetRequiredService<AdminGuard>().InitializeAsync(cancellationToken);
        if (SecretFile.OpenToOthers(options.DataDirectory) is { } mode)
        {
            Storage.Log.DataDirectoryOpen(storageLogger, Path.GetFullPath(options.DataDirectory), mode);
        }

        if (options.TrustedProxies.Count > 0)
        {
            // Behind a load balancer: the client's address (the sign-in limit counts it) and scheme (https marks the
            // cookies Secure; registration hands out https) from the last hop only, and only from the proxies named.
            var forwarded = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto };
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var network in options.TrustedProxies)
            {
                forwarded.KnownIPNetworks.Add(network);
            }

            app.UseForwardedHeaders(forwarded);
        }

        app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = HandleExceptionAsync });
        app.UseStatusCodePages(context => ApiErrors.WriteStatusCodePageAsync(context.HttpContext));
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.Use(PageEndpoints.RejectForgedFormsAsync);
        app.MapOpenApi("/openapi/{documentName}.json");
        AgentEndpoints.Map(app);
        AdminEndpoints.Map(app);
        AlertEndpoints.Map(app);
        PageEndpoints.Map(app);
        InstallScriptEndpoint.Map(app);
        // The ingest bench's ceiling (docs/decisions/ingest-throughput.md, fifteenth and sixteenth passes): with its length,
        // straight into the response's pipe, without the request's token. Through Response.Body with the token it cost
        // 13-18 % of the ceiling; written without a length, Kestrel answers chunked.
        app.MapGet("/healthz", (RequestDelegate)(context =>
        {
            context.Response.ContentLength = HealthzBody.Length;
            var written = context.Response.BodyWriter.WriteAsync(HealthzBody);
            return written.IsCompletedSuccessfully ? Task.CompletedTask : written.AsTask();
        })).ExcludeFromDescription();
        return app;
    }

    /// <summary>
    /// Any exception that reaches here is a bug (log it, count it, answer a generic 500 that reveals nothing), except the
    /// database being unreachable, which is answered 503 with Retry-After.
    /// </summary>
    private static async Task HandleExceptionAsync(HttpContext context)
    {
        var exception = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        if (context.RequestAborted.IsCancellationRequested && exception is OperationCanceledException)
        {
            return;
        }

        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("UPanel.Panel.Api");
        // The database down is an outage, not a bug: 503 (agents keep the heartbeat and retry), logged, not counted.
        var database = Storage.DatabaseUnavailable.Is(exception);
        if (database)
        {
            Api.Log.DatabaseUnavailable(logger, exception!, context.Request.Method, context.Request.Path);
            context.Response.Headers.RetryAfter = "30";
        }
        else
        {
            context.RequestServices.GetRequiredService<UnhandledErrors>().Add();
            Api.Log.Unhandled(logger, exception ?? new InvalidOperationException("unknown error"), context.Request.Method, context.Request.Path);
        }

        if (!context.Request.Path.StartsWithSegments("/api") && !context.Request.Path.StartsWithSegments("/ui"))
        {
            // A person at a page gets a page, not a stack trace or JSON.
            context.Response.StatusCode = database ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status500InternalServerError;
            context.Response.ContentType = "text/html; charset=utf-8";
            await context.Response.WriteAsync(
                "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>UPanel: error</title><link rel=\"stylesheet\" href=\"/assets/panel.css\"></head><body><main>"
                + (database
                    ? "<h1>The panel's database is unreachable</h1><p>The panel is running but cannot read its database. Check that PostgreSQL is up (UPANEL_POSTGRES) or that the data directory is readable, then reload. The panel's log has the details.</p>"
                    : "<h1>Something went wrong</h1><p>The panel hit an error it did not expect; its log has the details. Reload to try again.</p>")
                + "</main></body></html>");
            return;
        }

        context.Response.StatusCode = database ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status500InternalServerError;
        await context.Response.WriteAsJsonAsync(
            new ErrorResponse { Error = database ? "database unavailable, retry later" : "internal error" }, ContractsJsonContext.Default.ErrorResponse);
    }
}
