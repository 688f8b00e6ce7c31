using System.Text;
using Posthorn.Services.Delivery;

namespace Posthorn.Services.Local;

/// <summary>
/// Forwarding by local(8) (forward.c, indirect.c): addresses from aliases, .forward and
/// :include: files that are not delivered here are collected per envelope sender and sent as
/// one new message each through cleanup (the <see cref="IMailSubmitter"/> registered as
/// "cleanup"), with <c>Delivered-To:</c> prepended when prepend_delivered_header lists
/// <c>forward</c>. Each forwarded address then reads "forwarded as QUEUEID"; when the message
/// cannot be queued the recipient is deferred (4.3.0 "unable to forward message").
/// </summary>
internal sealed class LocalForwarder
{
    private readonly LocalAgent _agent;
    private readonly DeliveryRequest _request;
    private readonly LocalMessage _message;
    private readonly List<LocalState> _pending = [];

    public LocalForwarder(LocalAgent agent, DeliveryRequest request, LocalMessage message)
    {
        _agent = agent;
        _request = request;
        _message = message;
    }

    public void Add(LocalState state) => _pending.Add(state);

    /// <summary>Submits what was collected for the current recipient; one step result per message.</summary>
    public async Task<List<StepResult>> FlushAsync(CancellationToken cancel)
    {
        var results = new List<StepResult>();
        if (_pending.Count == 0)
            return results;
        var groups = _pending.GroupBy(s => s.Sender, StringComparer.Ordinal).ToList();
        _pending.Clear();
        var submitter = _agent.FindSubmitter();
        foreach (var g in groups)
        {
            var first = g.First();
            var recipients = g.Select(s => s.Address).Distinct(StringComparer.OrdinalIgnoreCase)
                .Select((addr, i) => new DeliveryRecipient(i, addr, first.OriginalRecipient, null, first.Recipient.Notify))
                .ToList();
            if (submitter is null)
            {
                _agent.Log.Warning(_agent.ProcessName, "cleanup service unavailable: cannot forward mail");
                results.Add(StepResult.Defer("4.3.0", "unable to forward message"));
                continue;
            }
            var header = _agent.Settings.DeliveredHeader.Contains("forward")
                ? "Delivered-To: " + (first.Delivered ?? first.Recipient.Address) + "\r\n"
                : "";
            var head = Encoding.UTF8.GetBytes(header);
            var content = new byte[head.Length + _message.CrlfContent.Length];
            head.CopyTo(content, 0);
            _message.CrlfContent.CopyTo(content, head.Length);
            try
            {
                using var stream = new MemoryStream(content, writable: false);
                var id = await submitter.SubmitAsync(new MailSubmission(g.Key, recipients, stream, "local", _request.EnvelopeId, _request.Return), cancel);
                results.Add(StepResult.Sent($"forwarded as {id}"));
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException)
            {
                _agent.Log.Warning(_agent.ProcessName, $"{_request.QueueId}: cannot forward mail: {e.Message}");
                results.Add(StepResult.Defer("4.3.0", "unable to forward message"));
            }
        }
        return results;
    }
}
