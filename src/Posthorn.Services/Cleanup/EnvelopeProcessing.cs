using Posthorn.Core.Addressing;

namespace Posthorn.Services.Cleanup;

/// <summary>
/// Envelope address processing as cleanup(8) does it (Postfix's cleanup_addr and
/// cleanup_out_recipient): each address is rewritten to standard form in the local context;
/// the sender <c>MAILER-DAEMON@$myorigin</c> becomes the null sender; then, when address mappings
/// are allowed, sender_canonical_maps / recipient_canonical_maps and canonical_maps (per their
/// *_classes) and masquerading (per masquerade_classes). Recipients are then expanded through
/// virtual_alias_maps, duplicates are dropped (duplicate_filter_limit; with
/// enable_original_recipient the original recipient and DSN fields count too), and each result
/// keeps its original recipient. sender_bcc_maps and recipient_bcc_maps add recipients;
/// always_bcc and BCC actions of header/body checks are added at the end when the message has
/// at least one recipient.
/// </summary>
internal sealed class EnvelopeProcessing
{
    private readonly CleanupSettings _settings;
    private readonly AddressRewriter _rewriter;
    private readonly AddressMapLookup _lookup;
    private readonly CanonicalMapping _canonical;
    private readonly Masquerading _masquerade;
    private readonly VirtualAliasExpansion _virtual;
    private readonly CleanupState _state;
    private readonly HashSet<string> _dups = new(StringComparer.OrdinalIgnoreCase);

    public EnvelopeProcessing(CleanupSettings settings, AddressRewriter rewriter, AddressMapLookup lookup, CleanupState state)
    {
        _settings = settings;
        _rewriter = rewriter;
        _lookup = lookup;
        _state = state;
        _canonical = new CanonicalMapping(lookup);
        _masquerade = new Masquerading(settings, lookup);
        _virtual = new VirtualAliasExpansion(settings, lookup);
    }

    public List<CleanupRecipient> Recipients { get; } = [];

    private bool MapsOk => (_state.Envelope.Flags & CleanupFlags.AddressMappings) != 0;

    private bool BccOk => (_state.Envelope.Flags & CleanupFlags.AutomaticBcc) != 0;

    /// <summary>cleanup_addr_sender().</summary>
    public string ProcessSender(string sender)
    {
        var clean = _rewriter.Rewrite(sender);
        if (clean.StartsWith("MAILER-DAEMON@", StringComparison.OrdinalIgnoreCase)
            && clean.Equals(_rewriter.Rewrite("MAILER-DAEMON"), StringComparison.OrdinalIgnoreCase))
            clean = "";
        if (MapsOk)
            clean = MapAddress(clean, AddressClasses.EnvelopeSender, _settings.SenderCanonicalMaps, _settings.SenderCanonicalClasses, "sender_canonical_maps");
        _state.Sender = clean;
        if (BccOk && clean.Length > 0 && _settings.SenderBccMaps.Count > 0)
        {
            var bcc = _lookup.Find(_settings.SenderBccMaps, clean, out _);
            if (bcc is not null)
                AddBcc(bcc);
        }
        return clean;
    }

    /// <summary>cleanup_addr_recipient().</summary>
    public void ProcessRecipient(CleanupRecipient recipient)
    {
        var clean = _rewriter.Rewrite(recipient.Address.Length > 0 ? recipient.Address : _settings.EmptyAddressRecipient);
        if (MapsOk)
            clean = MapAddress(clean, AddressClasses.EnvelopeRecipient, _settings.RecipientCanonicalMaps, _settings.RecipientCanonicalClasses, "recipient_canonical_maps");
        var orcpt = recipient.DsnOrcpt ?? (clean.Length > 0 ? "rfc822;" + clean : null);
        OutRecipient(recipient.Original, clean, recipient.DsnNotify, orcpt);
        _state.LastRecipient = clean;
        if (BccOk && clean.Length > 0 && _settings.RecipientBccMaps.Count > 0)
        {
            var bcc = _lookup.Find(_settings.RecipientBccMaps, clean, out _);
            if (bcc is not null)
                AddBcc(bcc);
        }
    }

    /// <summary>always_bcc and the BCC actions of header/body checks (cleanup_extracted).</summary>
    public void Finish()
    {
        if (!BccOk || _state.LastRecipient is null)
            return;
        if (_settings.AlwaysBcc.Length > 0)
            AddBcc(_settings.AlwaysBcc);
        foreach (var bcc in _state.CheckBcc)
            AddBcc(bcc);
    }

    /// <summary>cleanup_addr_bcc(): an automatic BCC recipient, its own original recipient.</summary>
    public void AddBcc(string bcc)
    {
        var clean = _rewriter.Rewrite(bcc);
        if (MapsOk)
            clean = MapAddress(clean, AddressClasses.EnvelopeRecipient, _settings.RecipientCanonicalMaps, _settings.RecipientCanonicalClasses, "recipient_canonical_maps");
        OutRecipient(clean, clean, 0, null);
    }

    /// <summary>Canonical mapping and masquerading of one address of one class.</summary>
    public string MapAddress(string address, AddressClasses cls, IReadOnlyList<string> ownMaps, AddressClasses ownClasses, string ownTitle)
    {
        if ((ownClasses & cls) != 0)
            address = _canonical.Map(_state, ownMaps, address, _settings.PropagateCanonical, ownTitle);
        if ((_settings.CanonicalClasses & cls) != 0)
            address = _canonical.Map(_state, _settings.CanonicalMaps, address, _settings.PropagateCanonical, "canonical_maps");
        if ((_settings.MasqueradeClasses & cls) != 0 && _masquerade.Enabled)
            address = _masquerade.Masquerade(address);
        return address;
    }

    private void OutRecipient(string original, string address, int notify, string? orcpt)
    {
        var expanded = MapsOk ? _virtual.Expand(_state, address) : [address];
        foreach (var a in expanded)
        {
            var key = _settings.EnableOriginalRecipient ? $"{orcpt}\n{notify}\n{original}\n{a}" : a;
            if (_dups.Contains(key))
                continue;
            if (_dups.Count < _settings.DuplicateFilterLimit || _settings.DuplicateFilterLimit == 0)
                _dups.Add(key);
            Recipients.Add(new CleanupRecipient(a, original, notify, orcpt));
        }
    }
}
