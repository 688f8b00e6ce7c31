using Posthorn.Services.Bounce;
using Posthorn.Core.Maps;

namespace Posthorn.Services.Local;

/// <summary>
/// The expansion steps of local(8): aliases(5) lookups in alias_maps (alias.c), the user's
/// .forward file (dotforward.c), <c>:include:</c> files (include.c) and the destinations they
/// name (token.c): <c>|command</c> and <c>/file</c> subject to allow_mail_to_commands and
/// allow_mail_to_files, addresses resolved again.
/// </summary>
public sealed partial class LocalDelivery
{
    /// <summary>deliver_alias(): true when an alias was found and expanded (the local part with its extension first, then without).</summary>
    private async Task<bool> AliasAsync(LocalState state, LocalAddress a, CancellationToken cancel)
    {
        var names = a.Extension is null ? new[] { a.User } : new[] { a.Local, a.User };
        foreach (var name in names)
        {
            if (state.ExpansionFrom is not null && string.Equals(state.ExpansionFrom, name, StringComparison.OrdinalIgnoreCase))
                return false;
            if (state.Level > NestingLimit)
            {
                _agent.Log.Warning(_agent.ProcessName, $"alias database loop for {name}");
                Add(StepResult.Bounce("5.4.6", $"alias database loop for {name}"));
                return true;
            }
            foreach (var table in _agent.AliasMaps().Tables)
            {
                var value = table.Lookup(name);
                if (value is null)
                    continue;
                // alias.c: NOTIFY is passed on without SUCCESS; a list (with an owner- alias) gets a
                // new sender and loses the original recipient and ORCPT, as RFC 3461 asks.
                var notify = state.Recipient.Notify == DsnNotify.Success ? DsnNotify.Never : state.Recipient.Notify & ~DsnNotify.Success;
                var next = state with
                {
                    ExpansionType = ExpansionType.Alias, ExpansionFrom = name, Rights = _agent.AliasOwner(table),
                    Recipient = state.Recipient with { Notify = notify },
                };
                if (Settings.OwnerRequestSpecial && _agent.AliasMaps().Find("owner-" + name) is { } ownerValue)
                {
                    var owner = _agent.Canonical(Settings.ExpandOwnerAlias ? FirstOrOwner(AddressLookup.SplitValues(ownerValue), name) : "owner-" + name);
                    next = next with
                    {
                        Owner = owner, Sender = owner,
                        Recipient = next.Recipient with { OriginalRecipient = "", DsnOriginalRecipient = null },
                    };
                }
                foreach (var target in AliasTarget.ParseValue(value))
                    await TokenAsync(next, target, cancel);
                return true;
            }
        }
        return false;
    }

    private static string FirstOrOwner(IReadOnlyList<string> values, string name) => values.Count > 0 ? values[0] : "owner-" + name;

    /// <summary>deliver_token(): one destination of an alias, .forward or :include: file.</summary>
    private async Task TokenAsync(LocalState state, AliasTarget target, CancellationToken cancel)
    {
        switch (target.Kind)
        {
            case AliasTargetKind.Include:
                await IncludeAsync(state, target.Text, cancel);
                break;
            case AliasTargetKind.Command:
                if (!Settings.AllowCommands.Contains(state.ExpansionClass))
                    Add(StepResult.Bounce("5.7.1", "mail to command is restricted"));
                else
                    Add(await _agent.Command.DeliverAsync(this, state, target.Text, state.Rights, cancel));
                break;
            case AliasTargetKind.File:
                Add(await _agent.Mailbox.DeliverFileAsync(this, state, target.Text, cancel));
                break;
            default:
                if (target.Text.StartsWith("~/", StringComparison.Ordinal))
                {
                    if (state.Rights is null)
                    {
                        _agent.Log.Warning(_agent.ProcessName, $"unknown home directory for: {target.Text}");
                        Add(StepResult.Bounce("5.3.5", "mail system configuration error"));
                    }
                    else
                    {
                        Add(await _agent.Mailbox.DeliverFileAsync(this, state, Path.Join(state.Rights.Home, target.Text[2..]), cancel));
                    }
                    break;
                }
                await ResolveAddressAsync(state, target.Text, cancel);
                break;
        }
    }

    /// <summary>deliver_dotforward(): the first file of forward_path that exists, when it is safe to read.</summary>
    private async Task<bool> DotForwardAsync(LocalState state, LocalAddress a, LocalUser user, CancellationToken cancel)
    {
        if (Settings.ForwardPath.Length == 0)
            return false;
        var next = state with { Level = state.Level + 1, ExpansionType = ExpansionType.Forward, Owner = a.User, Rights = user };
        string? path = null;
        (uint Mode, uint Uid, uint Gid)? st = null;
        foreach (var lhs in Settings.ForwardPath.Split([',', ' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries))
        {
            var p = LocalExpand.Expand(Settings.Config, lhs, state, user, Settings.ForwardFilter);
            if (p.Length == 0)
                continue;
            st = FileOwner.Get(p);
            if (st is not null)
            {
                path = p;
                break;
            }
        }
        if (path is null || st is not { } s)
            return false;
        if (BeenHere($"forward {path}"))
            return false;
        next = next with { ExpansionFrom = a.Local };
        string warn = "";
        if (!FileOwner.IsRegular(s.Mode))
            warn = $"file {path} is not a regular file";
        else if (s.Uid != 0 && s.Uid != user.Uid)
            warn = $"file {path} has bad owner uid {s.Uid}";
        else if ((s.Mode & 2) != 0)
            warn = $"file {path} is world writable";
        string[] lines = [];
        if (warn.Length == 0)
        {
            try
            {
                lines = File.ReadAllLines(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                warn = $"cannot open file {path}: {e.Message}";
            }
        }
        if (warn.Length > 0)
        {
            _agent.Log.Warning(_agent.ProcessName, warn);
            return false;
        }
        var targets = Targets(lines);
        if (targets.Count == 0)
            return false;
        foreach (var t in targets)
            await TokenAsync(next, t, cancel);
        return true;
    }

    /// <summary>deliver_include(): read more destinations from an absolute, regular, not world-writable file, with its owner's rights.</summary>
    private async Task IncludeAsync(LocalState state, string path, CancellationToken cancel)
    {
        state = state with { Level = state.Level + 1 };
        if (state.Level > NestingLimit)
        {
            _agent.Log.Warning(_agent.ProcessName, $":include: nesting limit exceeded for {path}");
            Add(StepResult.Bounce("5.4.6", ":include: nesting limit exceeded"));
            return;
        }
        if (BeenHere($"include {state.Rights?.Uid ?? 0} {path}"))
            return;
        var a = LocalAddress.Parse(state.Address, Settings.RecipientDelimiter);
        state = state with { ExpansionFrom = a.Local };
        string? warn = null;
        var st = path.StartsWith('/') ? FileOwner.Get(path, follow: true) : null;
        if (!path.StartsWith('/'))
            warn = $":include:{path} uses a relative path";
        else if (st is null)
            warn = $"unable to lookup :include: file {path}: No such file or directory";
        else if (!FileOwner.IsRegular(st.Value.Mode))
            warn = $":include: file {path} is not a regular file";
        else if ((st.Value.Mode & 2) != 0)
            warn = $":include: file {path} is world writable";
        string[] lines = [];
        if (warn is null)
        {
            try
            {
                lines = File.ReadAllLines(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                warn = $"cannot open include file {path}: {e.Message}";
            }
        }
        if (warn is not null)
        {
            _agent.Log.Warning(_agent.ProcessName, warn);
            Add(StepResult.Bounce("5.3.5", "mail system configuration error"));
            return;
        }
        var rights = state.Rights;
        if ((rights is null || rights.Uid == 0) && st!.Value.Uid != 0)
            rights = _agent.Users.FindByUid(st.Value.Uid);
        state = state with { ExpansionType = ExpansionType.Include, Rights = rights, Owner = state.Owner ?? state.Address };
        foreach (var t in Targets(lines))
            await TokenAsync(state, t, cancel);
    }

    /// <summary>The destinations of a .forward or :include: file: comma-separated, one or more a line, '#' lines are comments.</summary>
    private static List<AliasTarget> Targets(IEnumerable<string> lines) =>
        lines.Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .SelectMany(AliasTarget.ParseValue)
            .ToList();
}
