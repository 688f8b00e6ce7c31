using System.Globalization;
using System.Text;
using Posthorn.Services.Delivery;

namespace Posthorn.Services.PipeDelivery;

/// <summary>
/// Expands a pipe(8) argv= command line: <c>$name</c>, <c>${name}</c>, <c>${name?text}</c> and
/// <c>${name:text}</c> for client_address, client_helo, client_hostname, client_protocol,
/// domain, envid, extension, mailbox, nexthop, original_recipient, queue_id, recipient,
/// sasl_username, sender, size and user (pipe(8) "COMMAND ATTRIBUTE SYNTAX"). An argument that
/// names a per-recipient macro is repeated once per recipient. Flags: h folds the domain and
/// nexthop to lower case, u the local part; q quotes the local part as RFC 5322 needs.
/// </summary>
internal static class PipeCommandLine
{
    private static readonly HashSet<string> PerRecipient = new(StringComparer.Ordinal)
    {
        "recipient", "original_recipient", "user", "extension", "mailbox", "domain",
    };

    public static IReadOnlyList<string> Expand(IReadOnlyList<string> argv, DeliveryRequest request, PipeAttributes attrs, string recipientDelimiter)
    {
        var result = new List<string>();
        var global = Globals(request, attrs);
        foreach (var arg in argv)
        {
            if (MentionsRecipient(arg))
            {
                foreach (var r in request.Recipients)
                {
                    var values = new Dictionary<string, string>(global, StringComparer.Ordinal);
                    foreach (var (k, v) in RecipientValues(r, attrs, recipientDelimiter))
                        values[k] = v;
                    result.Add(ExpandOne(arg, values));
                }
            }
            else
            {
                result.Add(ExpandOne(arg, global));
            }
        }
        return result;
    }

    private static Dictionary<string, string> Globals(DeliveryRequest request, PipeAttributes attrs) => new(StringComparer.Ordinal)
    {
        ["sender"] = request.Sender.Length == 0 ? attrs.NullSender : Quote(request.Sender, attrs),
        ["nexthop"] = attrs.Has('h') ? request.Nexthop.ToLowerInvariant() : request.Nexthop,
        ["size"] = request.ContentSize.ToString(CultureInfo.InvariantCulture),
        ["queue_id"] = request.QueueId,
        ["client_address"] = request.ClientAddress ?? "",
        ["client_helo"] = request.ClientHelo ?? "",
        ["client_hostname"] = request.ClientName ?? "",
        ["client_protocol"] = request.ClientProtocol ?? "",
        ["sasl_username"] = request.SaslUsername ?? "",
        ["envid"] = request.EnvelopeId ?? "",
    };

    private static IEnumerable<(string, string)> RecipientValues(DeliveryRecipient r, PipeAttributes attrs, string delimiters)
    {
        int at = r.Address.LastIndexOf('@');
        var local = at < 0 ? r.Address : r.Address[..at];
        var domain = at < 0 ? "" : r.Address[(at + 1)..];
        if (attrs.Has('u'))
            local = local.ToLowerInvariant();
        if (attrs.Has('h'))
            domain = domain.ToLowerInvariant();
        var user = local;
        var extension = "";
        if (delimiters.Length > 0)
        {
            int d = local.IndexOfAny(delimiters.ToCharArray());
            if (d > 0)
            {
                user = local[..d];
                extension = local[(d + 1)..];
            }
        }
        var mailbox = attrs.Has('q') ? QuoteLocal(local) : local;
        yield return ("recipient", mailbox + (at < 0 ? "" : "@" + domain));
        yield return ("original_recipient", r.OriginalRecipient ?? r.Address);
        yield return ("user", user);
        yield return ("extension", extension);
        yield return ("mailbox", mailbox);
        yield return ("domain", domain);
    }

    private static bool MentionsRecipient(string arg) =>
        PerRecipient.Any(n => arg.Contains("${" + n, StringComparison.Ordinal) || arg.Contains("$" + n, StringComparison.Ordinal));

    private static string Quote(string address, PipeAttributes attrs)
    {
        if (!attrs.Has('q'))
            return address;
        int at = address.LastIndexOf('@');
        return at < 0 ? QuoteLocal(address) : QuoteLocal(address[..at]) + address[at..];
    }

    private static string QuoteLocal(string local) =>
        local.Length > 0 && local.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-/=?^_`{|}~.".Contains(c, StringComparison.Ordinal))
            && !local.StartsWith('.') && !local.EndsWith('.') && !local.Contains("..", StringComparison.Ordinal)
            ? local : "\"" + local.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    /// <summary>Replaces $name, ${name}, ${name?text} (text when name is non-empty) and ${name:text} (text when empty).</summary>
    internal static string ExpandOne(string arg, IReadOnlyDictionary<string, string> values)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < arg.Length; i++)
        {
            if (arg[i] != '$' || i + 1 >= arg.Length)
            {
                sb.Append(arg[i]);
                continue;
            }
            if (arg[i + 1] == '$')
            {
                sb.Append('$');
                i++;
                continue;
            }
            if (arg[i + 1] == '{')
            {
                int close = arg.IndexOf('}', i + 2);
                if (close < 0)
                {
                    sb.Append(arg[i..]);
                    break;
                }
                var inner = arg[(i + 2)..close];
                int op = inner.IndexOfAny(['?', ':']);
                var name = op < 0 ? inner : inner[..op];
                var value = values.TryGetValue(name, out var v) ? v : "";
                if (op < 0)
                    sb.Append(value);
                else if (inner[op] == '?' ? value.Length > 0 : value.Length == 0)
                    sb.Append(inner[(op + 1)..]);
                i = close;
                continue;
            }
            int j = i + 1;
            while (j < arg.Length && (char.IsAsciiLetterOrDigit(arg[j]) || arg[j] == '_'))
                j++;
            var bare = arg[(i + 1)..j];
            sb.Append(values.TryGetValue(bare, out var bv) ? bv : "$" + bare);
            i = j - 1;
        }
        return sb.ToString();
    }
}
