using System.Text;
using Posthorn.Core.Addressing;

namespace Posthorn.Services.Cleanup;

/// <summary>
/// One message passing through cleanup(8), streamed: the envelope is processed when the
/// message starts, then <see cref="AddHeaderLine"/> for each physical header line,
/// <see cref="EndOfHeaders"/>, <see cref="AddBodyLine"/> for each body line and
/// <see cref="Finish"/>. Nothing but the current logical header is held in memory; output goes
/// to the <see cref="ICleanupContentSink"/> as it is produced. Follows cleanup(8) and Postfix's
/// cleanup_message.c: the Received: header goes on top; header_checks, mime_header_checks,
/// nested_header_checks and body_checks (body_checks_size_limit, counted per body part) act on each logical header
/// (continuation lines joined with newlines) and body line; header addresses are rewritten per
/// local_header_rewrite_clients / remote_header_rewrite_domain and canonical/masquerade classes;
/// message_drop_headers are removed; Received: headers are counted against hopcount_limit;
/// a header stops growing at header_size_limit (later continuation lines are dropped); missing Message-Id:, Date:, From: and (with
/// undisclosed_recipients_header) To: are added for local-context mail or with
/// always_add_missing_headers, as Resent-* versions when the message has Resent- headers.
/// </summary>
public sealed class CleanupMessage
{
    private readonly CleanupProcessor _p;
    private readonly CleanupSettings _s;
    private readonly CleanupState _state;
    private readonly EnvelopeProcessing _env;
    private readonly ICleanupContentSink _sink;
    private readonly MimeTracker _mime;
    private readonly RewriteContext? _context;
    private readonly CharacterScreen _screen;
    private readonly HashSet<string> _seen = new(StringComparer.OrdinalIgnoreCase);
    private StringBuilder? _pending;
    private bool _pendingIsPart;
    private bool _headersEnded;
    private bool _finished;
    private bool _contentStarted;
    private bool _resent;
    private int _hops;
    private long _bodyOffset;
    private string? _messageId;

    internal CleanupMessage(CleanupProcessor processor, CleanupEnvelope envelope, ICleanupContentSink sink)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(sink);
        _p = processor;
        _s = processor.Settings;
        _sink = sink;
        _state = new CleanupState(envelope);
        _env = new EnvelopeProcessing(_s, processor.Rewriter, processor.Lookup, _state);
        _mime = new MimeTracker(_s.DisableMime, _s.MimeNestingLimit, _s.Config.GetInt("mime_boundary_length_limit"));
        _screen = new CharacterScreen(_s.Config.Get("message_reject_characters"), _s.Config.Get("message_strip_characters"));
        _context = envelope.LocalHeaderRewrite || envelope.Client.IsLocalSubmission ? RewriteContext.Local
            : _s.Config.Get("remote_header_rewrite_domain").Length > 0 ? RewriteContext.Remote : null;
        _env.ProcessSender(envelope.Sender);
        foreach (var r in envelope.Recipients)
            _env.ProcessRecipient(r);
        foreach (var line in ReceivedHeader.Build(_s, envelope, processor.Zone))
            ScreenedHeaderLine(line);
    }

    /// <summary>The log lines so far.</summary>
    public IReadOnlyList<CleanupLogEntry> Log => _state.Log;

    /// <summary>The envelope sender after rewriting (known once the message has begun).</summary>
    public string Sender => _state.Sender;

    /// <summary>
    /// One line of message content (no CR/LF), header or body: the first empty line ends the
    /// headers. This is what smtpd's DATA and pickup feed.
    /// </summary>
    public void AddLine(string line)
    {
        if (_headersEnded)
            AddBodyLine(line);
        else
            AddHeaderLine(line);
    }

    /// <summary>
    /// One physical header line (no CR/LF). An empty line ends the headers (and is not body); a
    /// line that is neither a header nor a continuation ends the headers and is body.
    /// </summary>
    public void AddHeaderLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (!_contentStarted)
        {
            // As smtpd does: content that starts with white space gets an empty line first, so
            // that it cannot continue our Received: header.
            _contentStarted = true;
            if (line.Length > 0 && line[0] is ' ' or '\t')
                EndOfHeaders();
        }
        ScreenedHeaderLine(line);
    }

    private void ScreenedHeaderLine(string line)
    {
        var screened = _screen.Screen(_state, line);
        if (screened is not null)
            HeaderLine(screened);
    }

    private void HeaderLine(string line)
    {
        if (_headersEnded)
        {
            BodyLine(line);
            return;
        }
        if (line.Length == 0)
        {
            EndOfHeaders();
            return;
        }
        if (line.Length > 0 && line[0] is ' ' or '\t' && _pending is not null)
        {
            Append(_pending, line);
            return;
        }
        if (!HeaderOptions.IsHeader(line))
        {
            EndOfHeaders();
            BodyLine(line);
            return;
        }
        FlushPending();
        _pending = new StringBuilder(line.Length + 64);
        _pendingIsPart = false;
        Append(_pending, line);
    }

    /// <summary>The primary header block ended (the blank line; it is not passed in).</summary>
    public void EndOfHeaders()
    {
        if (_headersEnded)
            return;
        FlushPending();
        _headersEnded = true;
        if (_state.OutputOk)
            AddMissingHeaders();
        _mime.EndOfHeaderBlock();
        _bodyOffset = 1; // the blank line that ended the headers, as mime_state counts it
        _sink.EndOfHeaders();
    }

    /// <summary>One body line (no CR/LF).</summary>
    public void AddBodyLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var screened = _screen.Screen(_state, line);
        if (screened is not null)
            BodyLine(screened);
    }

    private void BodyLine(string line)
    {
        if (!_headersEnded)
            EndOfHeaders();
        if (_mime.InHeaderBlock || _pending is not null)
        {
            if (line.Length > 0 && line[0] is ' ' or '\t' && _pending is not null)
            {
                Append(_pending, line);
                return;
            }
            if (_mime.InHeaderBlock && HeaderOptions.IsHeader(line))
            {
                FlushPending();
                _pending = new StringBuilder(line.Length + 64);
                _pendingIsPart = true;
                Append(_pending, line);
                return;
            }
            FlushPending();
            if (_mime.InHeaderBlock)
            {
                _mime.EndOfHeaderBlock();
                _bodyOffset = 0; // body_checks_size_limit counts from the start of each body part
            }
        }
        _mime.OnBodyLine(line);
        BodyOut(line);
    }

    /// <summary>The end of the content: adds automatic BCC recipients and gives the outcome.</summary>
    public CleanupResult Finish()
    {
        if (!_finished)
        {
            EndOfHeaders();
            FlushPending();
            if (_state.OutputOk)
                _env.Finish();
            _finished = true;
        }
        CleanupDispositionKind kind;
        string? reply;
        if (!_state.OutputOk)
        {
            kind = _state.Error!.Value;
            reply = _state.Reply;
        }
        else
        {
            kind = _state.Discard ? CleanupDispositionKind.Discard : CleanupDispositionKind.Accept;
            reply = "250 2.0.0 Ok: queued as " + _state.QueueId;
        }
        return new CleanupResult(kind, reply, _state.Sender, _env.Recipients.ToList(), _state.Hold && kind == CleanupDispositionKind.Accept,
            _state.HoldReason, _state.Redirect, _state.Filter, _messageId, _state.Log.ToList());
    }

    /// <summary>Adds a line to a logical header; once the header has reached header_size_limit, further lines are discarded.</summary>
    private void Append(StringBuilder header, string line)
    {
        if (header.Length > 0)
        {
            if (header.Length >= _s.HeaderSizeLimit)
                return;
            header.Append('\n');
        }
        header.Append(line);
    }

    private void FlushPending()
    {
        if (_pending is null)
            return;
        var header = _pending.ToString();
        bool part = _pendingIsPart;
        _pending = null;
        if (part)
            PartHeader(header);
        else
            PrimaryHeader(header);
    }

    /// <summary>cleanup_header_callback() for the primary header block.</summary>
    private void PrimaryHeader(string header)
    {
        var opt = HeaderOptions.Find(header);
        if (opt?.Name == "Received")
            _hops++;
        var cls = opt is not null && (opt.Flags & HeaderFlags.Mime) != 0 ? HeaderClass.Multipart : HeaderClass.Primary;
        var checkedHeader = Check(header, cls, OutHeader);
        if (checkedHeader is null)
            return;
        if (!ReferenceEquals(checkedHeader, header))
        {
            header = checkedHeader;
            opt = HeaderOptions.Find(header);
        }
        _mime.OnHeader(header);
        var name = HeaderOptions.NameOf(header);
        bool drop = _s.MessageDropHeaders.Contains(name);
        if (opt is null && !drop)
        {
            OutHeader(header);
            return;
        }
        _seen.Add(opt?.Name ?? name);
        var value = header[(header.IndexOf(':', StringComparison.Ordinal) + 1)..].TrimStart(' ', '\t', '\n');
        if (opt?.Name == "Message-Id")
        {
            _state.Info("message-id=" + value);
            _messageId ??= value;
        }
        if (opt?.Name == "Resent-Message-Id")
            _state.Info("resent-message-id=" + value);
        if (opt?.Name == "Received" && _hops >= _s.HopcountLimit)
        {
            _state.Warn($"{_state.QueueId}: message rejected: hopcount exceeded");
            _state.Fail(CleanupDispositionKind.Reject, "554 5.4.0 Error: too many hops");
        }
        if (!_state.OutputOk)
            return;
        if (opt is not null && (opt.Flags & HeaderFlags.Resent) != 0)
            _resent = true;
        if (opt is not null && (opt.Flags & (HeaderFlags.Sender | HeaderFlags.Recipient)) != 0 && _context is not null)
            header = RewriteAddresses(header, (opt.Flags & HeaderFlags.Sender) != 0);
        if (!drop)
            OutHeader(header);
    }

    /// <summary>A header of a MIME part or attached message: checks only, then out as body text.</summary>
    private void PartHeader(string header)
    {
        var cls = _mime.BlockClass;
        var opt = HeaderOptions.Find(header);
        if (opt is not null && (opt.Flags & HeaderFlags.Mime) != 0)
            cls = HeaderClass.Multipart;
        var result = Check(header, cls, OutPartHeader);
        if (result is null)
            return;
        _mime.OnHeader(result);
        OutPartHeader(result);
    }

    /// <summary>Header checks for one logical header; null drops it.</summary>
    private string? Check(string header, HeaderClass cls, Action<string> prepend)
    {
        if (!_state.ChecksEnabled)
            return header;
        var (maps, title) = cls switch
        {
            HeaderClass.Primary => (_s.HeaderChecks, "header_checks"),
            HeaderClass.Multipart => (_s.MimeHeaderChecks, "mime_header_checks"),
            _ => (_s.NestedHeaderChecks, "nested_header_checks"),
        };
        if (maps.Count == 0)
            return header;
        var action = _p.Lookup.FindInMaps(maps, header, partial: false);
        return action is null ? header : ContentActions.Act(_state, ContentActions.HeaderContext, header, action, title, prepend);
    }

    private string RewriteAddresses(string header, bool sender)
    {
        int colon = header.IndexOf(':', StringComparison.Ordinal);
        var value = header[(colon + 1)..];
        var cls = sender ? AddressClasses.HeaderSender : AddressClasses.HeaderRecipient;
        bool mapsOk = (_state.Envelope.Flags & CleanupFlags.AddressMappings) != 0;
        var rewritten = HeaderAddressList.Rewrite(value, address =>
        {
            var a = _p.Rewriter.Rewrite(address, _context!.Value);
            if (mapsOk)
            {
                a = sender
                    ? _env.MapAddress(a, cls, _s.SenderCanonicalMaps, _s.SenderCanonicalClasses, "sender_canonical_maps")
                    : _env.MapAddress(a, cls, _s.RecipientCanonicalMaps, _s.RecipientCanonicalClasses, "recipient_canonical_maps");
            }
            return a;
        }, _s.HeaderAddressTokenLimit);
        return rewritten is null ? header : header[..(colon + 1)] + rewritten;
    }

    /// <summary>cleanup_header_done_callback(): the missing headers.</summary>
    private void AddMissingHeaders()
    {
        bool add = _context is not null || _s.AlwaysAddMissingHeaders;
        _messageId = MissingHeaders.Add(_s, _state, _p.Zone, _seen, _resent, add, _messageId, OutHeader);
    }

    /// <summary>cleanup_out_header(): a logical header as physical lines; unindented continuation lines get a tab.</summary>
    private void OutHeader(string header)
    {
        if (!_state.OutputOk)
            return;
        foreach (var line in PhysicalLines(header))
            _sink.HeaderLine(line);
    }

    private void OutPartHeader(string header)
    {
        if (!_state.OutputOk)
            return;
        foreach (var line in PhysicalLines(header))
            Write(line);
    }

    private static IEnumerable<string> PhysicalLines(string header)
    {
        var lines = header.Split('\n');
        for (int i = 0; i < lines.Length; i++)
            yield return i == 0 || (lines[i].Length > 0 && lines[i][0] is ' ' or '\t') ? lines[i] : "\t" + lines[i];
    }

    /// <summary>cleanup_body_callback(): body_checks, then out.</summary>
    private void BodyOut(string line)
    {
        if (!_state.OutputOk)
            return;
        if (_state.ChecksEnabled && _s.BodyChecks.Count > 0 && (_s.BodyChecksSizeLimit == 0 || _bodyOffset < _s.BodyChecksSizeLimit))
        {
            var action = _p.Lookup.FindInMaps(_s.BodyChecks, line, partial: false);
            if (action is not null)
            {
                var result = ContentActions.Act(_state, ContentActions.BodyContext, line, action, "body_checks", Write);
                if (result is null)
                    return;
                if (!_state.OutputOk)
                    return;
                line = result;
            }
        }
        Write(line);
    }

    private void Write(string line)
    {
        _bodyOffset += Encoding.UTF8.GetByteCount(line) + 1;
        _sink.BodyLine(line);
    }
}
