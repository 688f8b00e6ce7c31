using Posthorn.Services.Cleanup;

namespace Posthorn.Services.Pickup;

/// <summary>
/// Address parsing for local submission, as Postfix's sendmail(1) does it with tok822_parse:
/// each command-line recipient and the -f sender is parsed as an RFC 822 address list ("a, b",
/// "Name &lt;addr&gt;"), and with -t the recipients come from the To:, Cc: and Bcc: headers —
/// or, when the message has any Resent-To:, Resent-Cc: or Resent-Bcc: header, from those only.
/// Addresses come back in internal (unquoted) form.
/// </summary>
public static class HeaderRecipients
{
    private static readonly string[] Plain = ["To", "Cc", "Bcc"];
    private static readonly string[] Resent = ["Resent-To", "Resent-Cc", "Resent-Bcc"];

    /// <summary>The addresses in an address-list value.</summary>
    public static IReadOnlyList<string> Parse(string value) => HeaderAddressList.Extract(value ?? "");

    /// <summary>
    /// Collects recipients from logical headers ("Name: value", continuation lines joined),
    /// in header order, the Resent- set winning once one is seen.
    /// </summary>
    public sealed class Collector
    {
        private readonly List<string> _plain = [];
        private readonly List<string> _resent = [];

        /// <summary>True once a Resent- recipient header was seen.</summary>
        public bool IsResent { get; private set; }

        /// <summary>The recipients to use: the Resent- ones when there were any.</summary>
        public IReadOnlyList<string> Recipients => IsResent ? _resent : _plain;

        /// <summary>Looks at one logical header.</summary>
        public void Add(string header)
        {
            ArgumentNullException.ThrowIfNull(header);
            int colon = header.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
                return;
            var name = header[..colon].TrimEnd(' ', '\t');
            var value = header[(colon + 1)..];
            if (Array.Exists(Resent, n => n.Equals(name, StringComparison.OrdinalIgnoreCase)))
            {
                IsResent = true;
                _resent.AddRange(Parse(value));
            }
            else if (!IsResent && Array.Exists(Plain, n => n.Equals(name, StringComparison.OrdinalIgnoreCase)))
            {
                _plain.AddRange(Parse(value));
            }
        }
    }
}
