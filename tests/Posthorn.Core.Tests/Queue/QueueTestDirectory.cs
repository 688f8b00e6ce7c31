namespace Posthorn.Core.Tests.Queue;

/// <summary>A temporary queue_directory removed after the test.</summary>
internal sealed class QueueTestDirectory : IDisposable
{
    public QueueTestDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "posthorn-queue-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
