using System.Globalization;
using Posthorn.Core.Config;
using Posthorn.Core.Logging;
using Posthorn.Core.Maps;
using Posthorn.Services.Delivery;
using Posthorn.Services.Local;
using Posthorn.Services.MailStore;
using Posthorn.Services.Master;

namespace Posthorn.Services.Virtual;

/// <summary>
/// The virtual(8) delivery agent: each recipient is looked up in virtual_mailbox_maps
/// (<c>user@domain</c>, then <c>@domain</c>, the address extension ignored as with
/// recipient_delimiter), the result taken relative to virtual_mailbox_base (a result ending
/// in '/' is a Maildir, else an mbox file; a result that is absolute or contains <c>..</c> is
/// refused), the owner from virtual_uid_maps (at least virtual_minimum_uid) and
/// virtual_gid_maps (not 0), mbox locking per virtual_mailbox_lock and the file size limit
/// virtual_mailbox_limit (0: none). Each copy starts with Return-Path:, X-Original-To: and
/// Delivered-To:. Results use Postfix's texts: "delivered to mailbox", "delivered to
/// maildir", 5.1.1 "unknown user: \"user@domain\"", 4.3.5 "mail system configuration error".
/// </summary>
public sealed class VirtualAgent : IDeliveryAgent
{
    private readonly MainConfig _config;
    private readonly MailLog _log;
    private readonly string _processName;
    private TableList? _mailboxMaps;
    private TableList? _uidMaps;
    private TableList? _gidMaps;

    private readonly ServiceDirectory? _directory;

    public VirtualAgent(MainConfig config, MailLog log, string processName = "virtual", ServiceDirectory? directory = null)
    {
        _directory = directory;
        _config = config;
        _log = log;
        _processName = processName;
        LockOptions = LockOptionsFrom(config);
    }

    private MailboxLockOptions LockOptions { get; }

    public async ValueTask<DeliveryResult> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken)
    {
        var results = new List<RecipientResult>(request.Recipients.Count);
        LocalMessage? message = null;
        string? readError = null;
        try
        {
            message = LocalMessage.Read(request);
        }
        catch (IOException e)
        {
            readError = e.Message;
        }
        foreach (var r in request.Recipients)
        {
            var step = message is null ? StepResult.Defer("4.3.0", $"error reading message file: {readError}") : await DeliverAsync(request, r, message, cancellationToken);
            var result = new RecipientResult(r, step.Outcome, step.Dsn, step.Reason, request.Transport,
                DsnAction: step.Outcome switch
                {
                    DeliveryOutcome.Delivered => "delivered",
                    DeliveryOutcome.Deferred => "delayed",
                    _ => "failed",
                });
            results.Add(result);
            // Marked done in the queue file at once, so a crash later in the request does not repeat it.
            if (step.Outcome != DeliveryOutcome.Deferred)
                request.RecipientDone?.Invoke(result);
        }
        return new DeliveryResult(results);
    }

    private async Task<StepResult> DeliverAsync(DeliveryRequest request, DeliveryRecipient recipient, LocalMessage message, CancellationToken cancel)
    {
        var user = recipient.Address.ToLowerInvariant();
        string? result, uidText, gidText;
        try
        {
            result = Find(_mailboxMaps ??= Maps("virtual_mailbox_maps"), user);
            if (result is null)
                return StepResult.Bounce("5.1.1", $"unknown user: \"{user}\"");
            uidText = Find(_uidMaps ??= Maps("virtual_uid_maps"), user);
            gidText = Find(_gidMaps ??= Maps("virtual_gid_maps"), user);
        }
        catch (Exception e) when (e is TableLookupException or TableOpenException)
        {
            _log.Warning(_processName, $"table lookup {user}: {e.Message}");
            return ConfigError();
        }

        string path;
        try
        {
            if (!_config.Get("virtual_mailbox_base").StartsWith('/'))
            {
                _log.Warning(_processName, $"do not specify relative pathname: virtual_mailbox_base = {_config.Get("virtual_mailbox_base")}");
                return ConfigError();
            }
            path = UserMailStore.VirtualMailboxPath(_config, result);
        }
        catch (MailboxNameException)
        {
            _log.Warning(_processName, $"recipient {user}: bad mailbox path {result} in virtual_mailbox_maps");
            return ConfigError();
        }
        if (uidText is null)
        {
            _log.Warning(_processName, $"recipient {user}: not found in virtual_uid_maps");
            return ConfigError();
        }
        if (!uint.TryParse(uidText, NumberStyles.None, CultureInfo.InvariantCulture, out var uid) || uid == uint.MaxValue || uid < _config.GetLong("virtual_minimum_uid"))
        {
            _log.Warning(_processName, $"recipient {user}: bad uid {uidText} in virtual_uid_maps");
            return ConfigError();
        }
        if (gidText is null)
        {
            _log.Warning(_processName, $"recipient {user}: not found in virtual_gid_maps");
            return ConfigError();
        }
        if (!uint.TryParse(gidText, NumberStyles.None, CultureInfo.InvariantCulture, out var gid) || gid == 0 || gid == uint.MaxValue)
        {
            _log.Warning(_processName, $"recipient {user}: bad gid {gidText} in virtual_gid_maps");
            return ConfigError();
        }

        var prefix = LocalMessage.Prepend(
            request.Sender,
            _config.GetBool("enable_original_recipient") ? recipient.OriginalRecipient ?? recipient.Address : null,
            recipient.Address,
            returnPath: true);
        long limit = _config.GetLong("virtual_mailbox_limit");
        bool maildir = UserMailStore.IsMaildirPath(path);
        if (!UnixAccount.IsRoot && _directory is not null && _directory.TryFind<Privsep.IPrivilegedDelivery>("privsep", out var privsep))
            return await ViaPrivsepAsync(privsep, request, message, prefix, path, uid, gid, limit, cancel);
        try
        {
            using var content = message.WithPrefix(prefix);
            if (maildir)
            {
                if (limit > 0 && content.Length > limit)
                    return StepResult.Bounce("5.2.2", $"maildir delivery failed: create maildir file {path}tmp: File too large");
                MaildirWriter.Deliver(path.TrimEnd('/'), content, DateTimeOffset.Now);
                ChownIfRoot(path.TrimEnd('/'), uid, gid);
                return StepResult.Sent("delivered to maildir");
            }
            long existing = File.Exists(path) ? new FileInfo(path).Length : 0;
            // From_ line, the quoted copy and the blank line: at least content + 60 bytes.
            if (limit > 0 && existing + content.Length + MboxWriter.FromLine(request.Sender, DateTime.Now).Length + 1 > limit)
                return StepResult.Bounce("5.2.2", $"delivery failed to mailbox {path}: cannot append message to file {path}: File too large");
            MboxWriter.Append(path, request.Sender, DateTime.Now, content, LockOptions, cancel);
            ChownIfRoot(path, uid, gid);
            return StepResult.Sent("delivered to mailbox");
        }
        catch (MailboxLockException e)
        {
            return StepResult.Defer("4.2.0", $"delivery failed to mailbox {path}: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // virtual(8) treats mailbox problems as temporary (mbox_open with "4.2.0").
            return StepResult.Defer("4.2.0", maildir ? $"maildir delivery failed: {e.Message}" : $"delivery failed to mailbox {path}: {e.Message}");
        }
    }

    /// <summary>Delivery as the virtual uid/gid through the privsep helper (master started by root).</summary>
    private async Task<StepResult> ViaPrivsepAsync(Privsep.IPrivilegedDelivery privsep, DeliveryRequest request, LocalMessage message, string prefix, string path, uint uid, uint gid, long limit, CancellationToken cancel)
    {
        bool maildir = UserMailStore.IsMaildirPath(path);
        byte[] bytes;
        using (var s = (MemoryStream)message.WithPrefix(prefix))
            bytes = s.ToArray();
        if (limit > 0 && maildir && bytes.Length > limit)
            return StepResult.Bounce("5.2.2", $"maildir delivery failed: create maildir file {path}tmp: File too large");
        var (methods, attempts, delay, stale) = Privsep.DeliverAsExecutor.LockFields(LockOptions);
        var r = await privsep.DeliverAsync(new Privsep.DeliverAsRequest(maildir ? Privsep.DeliverAsKind.Maildir : Privsep.DeliverAsKind.Mbox,
            uid, gid, path, request.Sender, methods, attempts, delay, stale, SizeLimit: maildir ? 0 : limit) { Content = bytes }, cancel);
        if (r.Outcome == DeliveryOutcome.Delivered)
            return r.ToStep();
        // virtual(8) treats mailbox and maildir problems as temporary, except a full mailbox (maildir.c, mailbox.c).
        var dsn = r.Dsn == "5.2.2" ? "5.2.2" : r.Dsn.StartsWith('5') ? "4.2.0" : r.Dsn;
        if (maildir && r.Reason.Contains("denied", StringComparison.OrdinalIgnoreCase))
        {
            _log.Warning(_processName, $"maildir access problem for UID/GID={uid}/{gid}: {r.Reason}");
            _log.Warning(_processName, "perhaps you need to create the maildirs in advance");
        }
        return StepResult.Failed(dsn, maildir ? r.Reason : $"delivery failed to mailbox {path}: {r.Reason}");
    }

    private static StepResult ConfigError() => StepResult.Defer("4.3.5", "mail system configuration error");

    private TableList Maps(string parameter) => TableList.FromParameter(parameter, _config, m => _log.Warning(_processName, m));

    /// <summary>mail_addr_find() without the extension: user+ext@domain, user@domain, @domain.</summary>
    private string? Find(TableList maps, string address) =>
        maps.Find(t => AddressLookup.Virtual(t, address, _config))?.Value;

    /// <summary>virtual_mailbox_lock, with deliver_lock_attempts, deliver_lock_delay and stale_lock_time.</summary>
    private static MailboxLockOptions LockOptionsFrom(MainConfig config) =>
        MailboxLockOptions.FromConfig(config.WithOverrides([new("mailbox_delivery_lock", config.Get("virtual_mailbox_lock"))]));

    private static void ChownIfRoot(string path, uint uid, uint gid)
    {
        if (UnixAccount.IsRoot)
            _ = Libc.chown(path, (int)uid, (int)gid);
    }
}

/// <summary>The master.cf <c>virtual</c> service (virtual(8)): registers a <see cref="VirtualAgent"/> under its service name for qmgr.</summary>
internal sealed class VirtualService : IMailService
{
    public Task RunAsync(ServiceContext context, CancellationToken stopping) =>
        AgentHost.RunAsync(context, new VirtualAgent(context.Config, context.Log, context.ProcessName, context.Directory), stopping);
}
