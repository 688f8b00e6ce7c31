using System.Text;
using Posthorn.Commands.Common;
using Posthorn.Core.Config;
using Posthorn.Core.Queue;

namespace Posthorn.Commands.Tests.Sendmail;

/// <summary>A temporary config directory with its own queue_directory, and in-memory runs of the queue commands.</summary>
internal sealed class QueueTestConfig : IDisposable
{
    public QueueTestConfig(string extraMainCf = "")
    {
        Dir = Path.Combine(Path.GetTempPath(), "posthorn-qcmd-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Dir);
        QueueRoot = Path.Combine(Dir, "queue");
        Directory.CreateDirectory(QueueRoot);
        File.WriteAllText(Path.Combine(Dir, "main.cf"), $"queue_directory = {QueueRoot}\nmyhostname = host.example.com\nmydomain = example.com\n" + extraMainCf);
        Queue = QueueDirectory.FromConfig(MainConfig.Load(Dir));
        Queue.EnsureDirectories();
    }

    public string Dir { get; }

    public string QueueRoot { get; }

    public QueueDirectory Queue { get; }

    public MainConfig Config => MainConfig.Load(Dir);

    public static (int Code, string Out, string Err) Run(string command, string stdin, params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var ctx = new CommandContext(command, args, new StringReader(stdin), o, e);
        int code = command is "sendmail" or "mailq"
            ? Commands.Sendmail.SendmailCommand.Run(ctx, new MemoryStream(Encoding.UTF8.GetBytes(stdin)))
            : CommandRegistry.Find(command)!.Run(ctx);
        return (code, o.ToString(), e.ToString());
    }

    /// <summary>sendmail -C DIR args..., stdin as given.</summary>
    public (int Code, string Out, string Err) Sendmail(string stdin, params string[] args) =>
        Run("sendmail", stdin, ["-C", Dir, .. args]);

    /// <summary>The single maildrop file, read.</summary>
    public QueueFile MaildropFile()
    {
        var id = Assert.Single(Queue.Enumerate(QueueNames.Maildrop));
        var read = QueueFileReader.Read(Queue.PathOf(QueueNames.Maildrop, id));
        Assert.True(read.Ok, read.Error);
        return read.File!;
    }

    public static string Content(QueueFile file)
    {
        using var s = file.OpenContent();
        using var r = new StreamReader(s, Encoding.UTF8);
        return r.ReadToEnd();
    }

    /// <summary>Writes a complete queue file into a queue, as cleanup would.</summary>
    public string Make(string queueName, string sender, string[] recipients, string content = "Subject: test\r\n\r\nbody\r\n",
        DateTimeOffset? arrival = null, string[]? done = null)
    {
        using var w = Queue.Enter(QueueNames.Incoming);
        w.WriteArrivalTime(arrival ?? DateTimeOffset.UtcNow);
        w.WriteSender(sender);
        foreach (var r in recipients)
            w.WriteRecipient(new QueueRecipientSpec(r));
        foreach (var r in done ?? [])
            w.WriteRecipient(new QueueRecipientSpec(r));
        w.AppendContent(Encoding.UTF8.GetBytes(content));
        var id = w.Commit().QueueId!;
        if (done is not null)
        {
            var read = QueueFileReader.Read(Queue.PathOf(QueueNames.Incoming, id)).File!;
            foreach (var r in read.Recipients.Where(r => done.Contains(r.Address)))
                QueueFileUpdater.MarkDone(Queue.PathOf(QueueNames.Incoming, id), r, null, out _);
        }
        if (queueName != QueueNames.Incoming)
            Queue.Move(id, QueueNames.Incoming, queueName);
        return id;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, true);
        }
        catch (IOException)
        {
        }
    }
}
