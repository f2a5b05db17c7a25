namespace UPanel.Panel.Storage;

/// <summary>A writer's turn from <see cref="SqlDialect.WriteTurnAsync"/>; disposing it lets the next writer in.</summary>
internal sealed class WriteTurn(SemaphoreSlim? gate) : IDisposable
{
    public void Dispose() => gate?.Release();
}
