using System.Runtime.InteropServices;
using UPanel.Agent.Cli;
using UPanel.Agent.Reporting;

_ = NativeHeap.UseOneArena();

// Socket completions run on the socket engine's thread instead of being queued to a thread-pool worker: the heartbeat
// loop waits for its answers itself (Reporter.RunOnOwnThread), so what is left for the engine (the panel connection's
// readiness, the event stream, /health) is too little to be worth a worker's wake-up and the pool's gate thread.
// Read by the runtime once, when the first socket is made: set before any is. docs/decisions/one-thread-per-heartbeat.md
Environment.SetEnvironmentVariable(SocketEngine.InlineCompletionsVariable, "1");

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
