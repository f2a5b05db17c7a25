using Microsoft.AspNetCore.Builder;
using UPanel.Panel.Cli;
using UPanel.Panel.Hosting;

// The reference panel: `upanel-panel [--urls ...]` serves; `upanel-panel install-token create` prints a token.
try
{
    var commandLine = PanelCommandLine.Parse(args, Environment.GetEnvironmentVariable);
    switch (commandLine.Command)
    {
        case "help":
            Console.WriteLine(PanelCommandLine.Usage);
            return 0;
        case "version":
            Console.WriteLine(typeof(PanelApp).Assembly.GetName().Version?.ToString(3));
            return 0;
        case "install-token-create":
            return await InstallTokenCommand.RunAsync(commandLine.Options, commandLine.Expires, Console.Out, Console.Error);
    }

    WebApplication app;
    try
    {
        app = await PanelApp.CreateAsync(commandLine.Options, commandLine.HostArgs, TimeProvider.System);
    }
    catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
    {
        Console.Error.WriteLine($"upanel-panel: cannot use the data directory: {exception.Message}");
        Console.Error.WriteLine("fix: give --data-dir / UPANEL_DATA_DIR a directory this user can create and write");
        return 1;
    }

    await using (app)
    {
        try
        {
            await app.RunAsync();
        }
        catch (IOException exception)
        {
            Console.Error.WriteLine($"upanel-panel: cannot listen: {exception.Message}");
            Console.Error.WriteLine("fix: stop the program that listens there (ss -ltnp names it) or choose a free address with --urls or ASPNETCORE_URLS (e.g. --urls http://127.0.0.1:18080)");
            return 1;
        }
    }

    return 0;
}
catch (PanelUsageException exception)
{
    Console.Error.WriteLine($"upanel-panel: {exception.Message}");
    return 2;
}
catch (System.Data.Common.DbException exception)
{
    // Startup only (migrations, admin key): requests never get here. The message names no password.
    Console.Error.WriteLine($"upanel-panel: cannot use the database: {exception.Message}");
    Console.Error.WriteLine("fix: check UPANEL_POSTGRES / UPANEL_POSTGRES_FILE (server running, database exists, credentials), or the permissions of --data-dir for SQLite");
    return 1;
}
