using Posthorn.Core.Maps;
using Posthorn.Services.Delivery;

namespace Posthorn.Services.Local;

/// <summary>
/// One delivery request as local(8) works through it (recipient.c, alias.c, dotforward.c,
/// include.c, token.c, unknown.c): for each recipient, the nesting limit (100, "recipient
/// nesting limit exceeded"), the duplicate filter (duplicate_filter_limit), the
/// <c>Delivered-To:</c> loop check (5.4.6 "mail forwarding loop for ADDRESS"), then
/// alias_maps, ~/.forward (forward_path), the mailbox (<see cref="LocalMailboxDelivery"/>) and
/// finally the unknown-user rules (fallback_transport, luser_relay, 5.1.1 "unknown user").
/// Addresses in aliases and .forward files that resolve to a local domain are delivered again
/// in-process; remote ones, every address of an alias that has an <c>owner-</c> alias, and
/// every address of an :include: file are forwarded as a new message through cleanup
/// (<see cref="LocalForwarder"/>). The results of all steps for one queue recipient combine:
/// any deferral defers the recipient, else any bounce bounces it.
/// </summary>
public sealed partial class LocalDelivery
{
    private const int NestingLimit = 100;

    private readonly LocalAgent _agent;
    private readonly DeliveryRequest _request;
    private readonly HashSet<string> _duplicates = new(StringComparer.Ordinal);
    private readonly LocalForwarder _forwarder;
    private List<StepResult> _steps = [];
    private string? _current;

    internal LocalDelivery(LocalAgent agent, DeliveryRequest request, LocalMessage message)
    {
        _agent = agent;
        _request = request;
        Message = message;
        _forwarder = new LocalForwarder(agent, request, message);
    }

    internal LocalMessage Message { get; }

    internal DeliveryRequest Request => _request;

    private LocalSettings Settings => _agent.Settings;

    /// <summary>Delivers one queue recipient through all its expansions.</summary>
    public async Task<RecipientResult> DeliverAsync(DeliveryRecipient recipient, CancellationToken cancel)
    {
        _steps = [];
        var state = new LocalState(recipient, recipient.Address, _request.Sender, Delivered: recipient.Address);
        await RecipientAsync(state, cancel);
        foreach (var f in await _forwarder.FlushAsync(cancel))
            _steps.Add(f with { Address = recipient.Address });
        return Combine(recipient);
    }

    private RecipientResult Combine(DeliveryRecipient recipient)
    {
        var pick = _steps.FirstOrDefault(s => s.Outcome == DeliveryOutcome.Deferred)
            ?? _steps.FirstOrDefault(s => s.Outcome == DeliveryOutcome.Bounced)
            ?? _steps.FirstOrDefault()
            ?? StepResult.Sent("duplicate delivery suppressed");
        bool expanded = _steps.Count > 1 || _steps.Any(x => x.Address is not null
            && !string.Equals(x.Address, recipient.Address, StringComparison.OrdinalIgnoreCase));
        return new RecipientResult(recipient, pick.Outcome, pick.Dsn, pick.Reason, _request.Transport,
            DsnAction: pick.Outcome switch
            {
                DeliveryOutcome.Delivered => "delivered",
                DeliveryOutcome.Deferred => "delayed",
                _ => "failed",
            })
        {
            Expanded = expanded
                ? _steps.Select(x => new ExpandedResult(x.Address ?? recipient.Address, x.Outcome, x.Dsn, x.Reason)).ToList()
                : null,
        };
    }

    internal void Add(StepResult step) => _steps.Add(step.Address is null ? step with { Address = _current } : step);

    /// <summary>been_here(): true when the key was seen already in this request (then the step is skipped).</summary>
    internal bool BeenHere(string key)
    {
        if (_duplicates.Contains(key))
            return true;
        if (Settings.DuplicateFilterLimit <= 0 || _duplicates.Count < Settings.DuplicateFilterLimit)
            _duplicates.Add(key);
        return false;
    }

    /// <summary>deliver_recipient(): one address at one nesting level.</summary>
    /// <summary>Delivers one (possibly expanded) address; its steps are logged under that address.</summary>
    internal async Task RecipientAsync(LocalState state, CancellationToken cancel)
    {
        var saved = _current;
        _current = state.Address;
        try
        {
            await RecipientCoreAsync(state, cancel);
        }
        finally
        {
            _current = saved;
        }
    }

    private async Task RecipientCoreAsync(LocalState state, CancellationToken cancel)
    {
        state = state with { Level = state.Level + 1 };
        if (state.Level > NestingLimit)
        {
            _agent.Log.Warning(_agent.ProcessName, $"recipient nesting limit exceeded for {state.Address}");
            Add(StepResult.Bounce("5.4.6", "recipient nesting limit exceeded"));
            return;
        }
        if (BeenHere($"recipient {state.Level} {state.Address}"))
            return;
        if (Message.HasDeliveredTo(state.Address))
        {
            Add(StepResult.Bounce("5.4.6", $"mail forwarding loop for {state.Address}"));
            return;
        }
        await SwitchAsync(state, cancel);
    }

    /// <summary>deliver_switch(): aliases, then indirect delivery, then the user's .forward and mailbox, then unknown.</summary>
    private async Task SwitchAsync(LocalState state, CancellationToken cancel)
    {
        var a = LocalAddress.Parse(state.Address, Settings.RecipientDelimiter);
        try
        {
            if (await AliasAsync(state, a, cancel))
                return;
        }
        catch (Exception e) when (e is TableLookupException or TableOpenException)
        {
            _agent.Log.Warning(_agent.ProcessName, $"alias_maps lookup failure for {a.Local}: {e.Message}");
            Add(StepResult.Defer("4.3.0", "alias database unavailable"));
            return;
        }
        if (state.Owner is not null && !string.Equals(state.Owner, a.User, StringComparison.OrdinalIgnoreCase))
        {
            _forwarder.Add(state);
            return;
        }
        if (state.ExpansionType == ExpansionType.Include)
        {
            _forwarder.Add(state);
            return;
        }
        var user = _agent.Users.Find(a.User);
        if (user is not null && await DotForwardAsync(state, a, user, cancel))
            return;
        if (await _agent.Mailbox.DeliverAsync(this, state, a, user, cancel))
            return;
        await UnknownAsync(state, a, cancel);
    }

    /// <summary>deliver_unknown(): fallback_transport, luser_relay, the required postmaster/MAILER-DAEMON aliases, then 5.1.1.</summary>
    private async Task UnknownAsync(LocalState state, LocalAddress a, CancellationToken cancel)
    {
        if (Settings.FallbackTransport.Length > 0)
        {
            Add(await _agent.PassAsync(_request, state, Settings.FallbackTransport, cancel));
            return;
        }
        if (Settings.LuserRelay.Length > 0)
        {
            var relay = LocalExpand.Expand(Settings.Config, Settings.LuserRelay, state, null, null);
            var canonical = _agent.Canonical(relay);
            if (string.Equals(canonical, state.Address, StringComparison.OrdinalIgnoreCase))
                Add(StepResult.Bounce("5.1.1", $"unknown user: \"{a.User}\""));
            else
                await ResolveAddressAsync(state, relay, cancel);
            return;
        }
        if (a.User is "mailer-daemon" or "postmaster")
        {
            _agent.Log.Warning(_agent.ProcessName, $"required alias not found: {a.User}");
            Add(StepResult.Sent("discarded"));
            return;
        }
        Add(StepResult.Bounce("5.1.1", $"unknown user: \"{a.User}\""));
    }

    /// <summary>deliver_resolve_addr(): a local-domain address is delivered again here, any other is forwarded.</summary>
    internal async Task ResolveAddressAsync(LocalState state, string address, CancellationToken cancel)
    {
        if (address.StartsWith('\\'))
            address = address[1..];
        var canonical = _agent.Canonical(address);
        var (_, domain) = AddressLookup.Split(canonical);
        if (domain is not null && !_agent.IsLocalDomain(domain))
        {
            _forwarder.Add(state with { Address = canonical });
            return;
        }
        await RecipientAsync(state with { Address = canonical }, cancel);
    }
}
