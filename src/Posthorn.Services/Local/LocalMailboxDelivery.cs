using Posthorn.Services.MailStore;
using Posthorn.Services.Master;

namespace Posthorn.Services.Local;

/// <summary>
/// Mailbox and file delivery of local(8) (mailbox.c, file.c, maildir.c): mailbox_transport
/// passes the recipient on; a user without an account is not ours (unknown user);
/// mailbox_command runs as the user; otherwise <c>home_mailbox</c> under the home directory
/// or <c>mail_spool_directory</c>/USER, a Maildir when the path ends in '/', else an mbox with
/// the From_ line, >From quoting and mailbox_delivery_lock locking (MailStore). Files named in
/// aliases, .forward and :include: files are appended in mbox format (allow_mail_to_files;
/// an executable file is refused), or delivered as a Maildir when the name ends in '/'. Each
/// copy starts with Return-Path:, X-Original-To: (enable_original_recipient) and, when
/// prepend_delivered_header lists <c>file</c>, Delivered-To:.
/// </summary>
internal sealed class LocalMailboxDelivery
{
    private readonly LocalAgent _agent;

    public LocalMailboxDelivery(LocalAgent agent) => _agent = agent;

    private LocalSettings Settings => _agent.Settings;

    /// <summary>deliver_mailbox(): false when the user has no account (then the unknown-user rules apply).</summary>
    public async Task<bool> DeliverAsync(LocalDelivery delivery, LocalState state, LocalAddress a, LocalUser? user, CancellationToken cancel)
    {
        if (Settings.MailboxTransport.Length > 0)
        {
            delivery.Add(await _agent.PassAsync(delivery.Request, state, Settings.MailboxTransport, cancel));
            return true;
        }
        if (user is null)
            return false;
        if (delivery.BeenHere($"mailbox {a.User}"))
            return true;
        state = state with { Rights = user };
        if (Settings.MailboxCommand.Length > 0)
        {
            // mailbox_command is a raw parameter: $names in it are for the shell (e.g. "$EXTENSION").
            delivery.Add(await _agent.Command.DeliverAsync(delivery, state, Settings.MailboxCommand, user, cancel));
            return true;
        }
        var path = UserMailStore.LocalMailboxPath(Settings.Config, user.Name, user.Home);
        var prefix = Prefix(state, Settings.DeliveredHeader.Contains("file"));
        if (_agent.Privileged() is { } privsep)
        {
            var kind = UserMailStore.IsMaildirPath(path) ? Privsep.DeliverAsKind.Maildir : Privsep.DeliverAsKind.Mbox;
            var step = await _agent.DeliverAsAsync(privsep, kind, SpoolRights(user), path, state.Sender, Bytes(delivery, prefix), cancel);
            if (step.Outcome != Delivery.DeliveryOutcome.Delivered && kind == Privsep.DeliverAsKind.Mbox)
                step = step with { Reason = $"cannot update mailbox {path} for user {user.Name}. {step.Reason}" };
            delivery.Add(step);
            return true;
        }
        try
        {
            if (UserMailStore.IsMaildirPath(path))
            {
                using var s = delivery.Message.WithPrefix(prefix);
                MaildirWriter.Deliver(path.TrimEnd('/'), s, DateTimeOffset.Now);
                ChownIfRoot(path.TrimEnd('/'), user);
                delivery.Add(StepResult.Sent("delivered to maildir"));
            }
            else
            {
                using var s = delivery.Message.WithPrefix(prefix);
                MboxWriter.Append(path, state.Sender, DateTime.Now, s, MailboxLockOptions.FromConfig(Settings.Config), cancel);
                ChownIfRoot(path, user);
                delivery.Add(StepResult.Sent("delivered to mailbox"));
            }
        }
        catch (MailboxLockException e)
        {
            delivery.Add(StepResult.Defer("4.2.0", $"cannot update mailbox {path} for user {user.Name}. {e.Message}"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var text = UserMailStore.IsMaildirPath(path) ? $"maildir delivery failed: {e.Message}" : $"cannot update mailbox {path} for user {user.Name}. cannot open file: {e.Message}";
            delivery.Add(StepResult.Failed(Dsn(e), text));
        }
        return true;
    }

    /// <summary>deliver_file(): append to a file named in an alias, .forward or :include: file.</summary>
    public async Task<StepResult> DeliverFileAsync(LocalDelivery delivery, LocalState state, string path, CancellationToken cancel)
    {
        if (!Settings.AllowFiles.Contains(state.ExpansionClass))
            return StepResult.Bounce("5.7.1", "mail to file is restricted");
        if (delivery.BeenHere($"file {state.Rights?.Uid ?? 0} {path}"))
            return StepResult.Sent($"delivered to file: {path}");
        var prefix = Prefix(state, Settings.DeliveredHeader.Contains("file"));
        if (_agent.Privileged() is { } privsep)
        {
            if (FileOwner.Get(path, follow: true) is { } fst && (fst.Mode & 0x49) != 0 && FileOwner.IsRegular(fst.Mode))
                return StepResult.Bounce("5.7.1", "file is executable");
            var maildir = UserMailStore.IsMaildirPath(path);
            var step = await _agent.DeliverAsAsync(privsep, maildir ? Privsep.DeliverAsKind.Maildir : Privsep.DeliverAsKind.Mbox,
                _agent.RunAs(state.Rights), path, state.Sender, Bytes(delivery, prefix), cancel);
            if (step.Outcome == Delivery.DeliveryOutcome.Delivered)
                return StepResult.Sent(maildir ? "delivered to maildir" : $"delivered to file: {path}");
            return maildir ? step : step with { Reason = $"cannot append message to file {path}: {step.Reason}" };
        }
        try
        {
            if (UserMailStore.IsMaildirPath(path))
            {
                using var s = delivery.Message.WithPrefix(prefix);
                MaildirWriter.Deliver(path.TrimEnd('/'), s, DateTimeOffset.Now);
                return StepResult.Sent("delivered to maildir");
            }
            if (FileOwner.Get(path, follow: true) is { } st && (st.Mode & 0x49) != 0 && FileOwner.IsRegular(st.Mode))
                return StepResult.Bounce("5.7.1", "file is executable");
            using (var s = delivery.Message.WithPrefix(prefix))
                MboxWriter.Append(path, state.Sender, DateTime.Now, s, MailboxLockOptions.FromConfig(Settings.Config), cancel);
            return StepResult.Sent($"delivered to file: {path}");
        }
        catch (MailboxLockException e)
        {
            return StepResult.Defer("4.2.0", $"cannot append message to file {path}: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return StepResult.Failed(Dsn(e), UserMailStore.IsMaildirPath(path) ? $"maildir delivery failed: {e.Message}" : $"cannot append message to file {path}: {e.Message}");
        }
    }

    /// <summary>
    /// The rights for a mailbox in mail_spool_directory, as Postfix's mailbox.c chooses them: the
    /// user, with the spool directory's group when that directory is group-writable (Debian's
    /// root:mail 2775), so the mailbox and its dotlock can be created there.
    /// </summary>
    private LocalUser SpoolRights(LocalUser user)
    {
        if (Settings.Config.Get("home_mailbox").Length > 0)
            return user;
        var spool = Settings.Config.Get("mail_spool_directory").TrimEnd('/');
        if (FileOwner.Get(spool, follow: true) is { } st && (st.Mode & 2) == 0 && (st.Mode & 0x10) != 0)
            return user with { Gid = st.Gid };
        return user;
    }

    private static byte[] Bytes(LocalDelivery delivery, string prefix)
    {
        using var s = delivery.Message.WithPrefix(prefix);
        return ((MemoryStream)s).ToArray();
    }

    /// <summary>The headers mail_copy() prepends for this copy.</summary>
    public string Prefix(LocalState state, bool delivered) =>
        LocalMessage.Prepend(
            state.Sender,
            Settings.EnableOriginalRecipient ? state.OriginalRecipient : null,
            delivered ? state.Delivered ?? state.Recipient.Address : null,
            returnPath: true);

    /// <summary>mbox_dsn(): running out of space or quota is temporary (4.2.2 for quota), other errors 5.2.0.</summary>
    private static string Dsn(Exception e) => e.HResult switch
    {
        28 => "4.3.0",   // ENOSPC
        122 => "5.2.2",  // EDQUOT
        _ => "5.2.0",
    };

    private static void ChownIfRoot(string path, LocalUser user)
    {
        // In-process delivery as root: give the user what was created (see docs/local.md).
        if (!UnixAccount.IsRoot || user.Uid == 0)
            return;
        _ = Libc.chown(path, (int)user.Uid, (int)user.Gid);
    }
}
