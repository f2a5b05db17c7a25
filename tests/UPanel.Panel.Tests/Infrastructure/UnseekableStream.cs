namespace UPanel.Panel.Tests.Infrastructure;

/// <summary>Bytes whose length a reader cannot know in advance (HttpClient then sends them chunked).</summary>
internal sealed class UnseekableStream(byte[] data) : MemoryStream(data)
{
    public override bool CanSeek => false;
}
