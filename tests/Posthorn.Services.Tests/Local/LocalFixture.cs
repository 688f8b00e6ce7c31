using System.Text;
using Posthorn.Core.Config;
using Posthorn.Core.Logging;
using Posthorn.Core.Maps;
using Posthorn.Services.Delivery;
using Posthorn.Services.Local;
using Posthorn.Services.Master;

namespace Posthorn.Services.Tests.Local;

/// <summary>
/// A temporary local(8) setup: a directory holding main.cf-style settings, an aliases table
/// built with Core/Maps' builder, a mail spool, and "system users" that are the current
/// account (nobody when the tests run as root) under other names, with homes inside the directory. Mail that local forwards is
/// captured by <see cref="Submitted"/>.
/// </summary>
internal sealed class LocalFixture : IDisposable
{
    private readonly FakeUsers _users;

    public LocalFixture(params string[] userNames)
    {
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(Spool);
        // As root, commands must not run as root: the "users" are then nobody, and the
        // directories are open to them.
        var me = UnixAccount.IsRoot ? new SystemUserLookup().Find("nobody")! : new SystemUserLookup().FindByUid(Libc.geteuid())!;
        if (OperatingSystem.IsLinux())
            File.SetUnixFileMode(Root, (UnixFileMode)0x1FF);
        _users = new FakeUsers(me);
        foreach (var name in userNames)
        {
            var home = Path.Combine(Root, "home", name);
            Directory.CreateDirectory(home);
            if (OperatingSystem.IsLinux())
                File.SetUnixFileMode(home, (UnixFileMode)0x1FF);
            _users.Add(new LocalUser(name, me.Uid, me.Gid, home, "/bin/sh"));
        }
    }

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "posthorn-local-" + Guid.NewGuid().ToString("N"));

    public string Spool => Path.Combine(Root, "spool");

    public string AliasesPath => Path.Combine(Root, "aliases");

    public List<MailSubmission> Submitted { get; } = [];

    public List<string> SubmittedContent { get; } = [];

    public StringWriter LogText { get; } = new();

    public string Home(string user) => Path.Combine(Root, "home", user);

    public string SpoolFile(string user) => Path.Combine(Spool, user);

    /// <summary>Writes an aliases(5) file and builds it as hash: the way postalias does.</summary>
    public void Aliases(string text)
    {
        File.WriteAllText(AliasesPath, text);
        using var reader = new StringReader(text);
        var entries = AliasesFile.Parse(reader, AliasesPath, _ => { })
            .Select(e => new KeyValuePair<string, string>(e.Name, e.Value)).ToList();
        TableBuilder.Write("hash", AliasesPath, entries);
    }

    public LocalAgent Agent(string extraConfig = "")
    {
        var text = $"""
            myhostname = mail.example.com
            mydomain = example.com
            myorigin = example.com
            mydestination = example.com, localhost
            alias_maps = hash:{AliasesPath}
            mail_spool_directory = {Spool}
            mailbox_delivery_lock = fcntl, dotlock
            deliver_lock_attempts = 2
            deliver_lock_delay = 1s
            recipient_delimiter = +
            default_privs = {_users.Me.Name}
            """ + "\n" + extraConfig + "\n";
        var config = MainConfig.FromText(text, Root);
        if (!File.Exists(AliasesPath + ".db"))
            Aliases("");
        return new LocalAgent(new LocalSettings(config), _users, MailLog.Null, null, "local", new CapturingSubmitter(this));
    }

    public static DeliveryRequest Request(string sender, string message, params string[] recipients)
    {
        var bytes = Encoding.UTF8.GetBytes(message.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal));
        return new DeliveryRequest("4ABC123", "local", "example.com", sender, DateTimeOffset.Now,
            recipients.Select((r, i) => new DeliveryRecipient(i, r)).ToList(),
            () => new MemoryStream(bytes, writable: false), bytes.Length);
    }

    public const string Simple = "From: sender@remote.example\nSubject: hello\n\nFrom the start\nbody line\n";

    public static async Task<RecipientResult> DeliverOne(LocalAgent agent, string recipient, string message = Simple, string sender = "sender@remote.example")
    {
        var result = await agent.DeliverAsync(Request(sender, message, recipient), CancellationToken.None);
        return Assert.Single(result.Recipients);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private sealed class FakeUsers(LocalUser me) : ILocalUserLookup
    {
        private readonly Dictionary<string, LocalUser> _users = new(StringComparer.Ordinal) { [me.Name] = me };

        public LocalUser Me { get; } = me;

        public void Add(LocalUser u) => _users[u.Name] = u;

        public LocalUser? Find(string name) => _users.GetValueOrDefault(name);

        public LocalUser? FindByUid(uint uid) => uid == Me.Uid ? Me : null;
    }

    private sealed class CapturingSubmitter(LocalFixture fixture) : IMailSubmitter
    {
        public ValueTask<string> SubmitAsync(MailSubmission submission, CancellationToken cancellationToken)
        {
            fixture.Submitted.Add(submission);
            using var reader = new StreamReader(submission.Content);
            fixture.SubmittedContent.Add(reader.ReadToEnd());
            return ValueTask.FromResult("5FWD" + fixture.Submitted.Count);
        }
    }
}
