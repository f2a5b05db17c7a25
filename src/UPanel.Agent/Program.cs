using System.Runtime.InteropServices;
using UPanel.Agent.Cli;
using UPanel.Agent.Reporting;

_ = NativeHeap.UseOneArena();

// SIGTERM (docker stop, systemd) and SIGINT (Ctrl-C) end the current command gracefully instead of killing the process.
using var stopping = new CancellationTokenSource();
void Stop(PosixSignalContext context)
{
    // A second signal gets the default action, so a stuck command can still be killed with Ctrl-C.
    if (stopping.IsCancellationRequested)
    {
        return;
    }

    context.Cancel = true;
    stopping.Cancel();
}

using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);

return await AgentCli.RunAsync(args, CliEnvironment.FromProcess(stopping.Token));
