using System.Globalization;
using System.Text;
using Posthorn.Core.Config;

namespace Posthorn.Services.Bounce;

/// <summary>
/// The built-in templates and the reader for <c>bounce_template_file</c> (bounce(5)): sections
/// <c>failure_template = &lt;&lt;EOF</c> ... <c>EOF</c>, each overriding one built-in template.
/// The built-in wording is Posthorn's own; the subjects are the ones mail users and tools know.
/// </summary>
public static class BounceTemplates
{
    /// <summary>The built-in From: in header_from_format = obsolete form.</summary>
    public const string DefaultFrom = "MAILER-DAEMON (Mail Delivery System)";

    /// <summary>The built-in From: in header_from_format = standard form (Postfix 3.3 and later).</summary>
    public const string DefaultStandardFrom = "Mail Delivery System <MAILER-DAEMON>";

    public static BounceTemplate Failure { get; } = new(BounceTemplateKind.Failure, "us-ascii",
        DefaultFrom, "Undelivered Mail Returned to Sender", "Postmaster Copy: Undelivered Mail",
        Lines("""
        This is the mail system at host $myhostname.

        Your message could not be delivered to one or more of its
        recipients. The reasons are listed below, and the message
        itself is attached.

        For help, please write to postmaster and include this report.
        You may remove your own text from the returned message.

                           The mail system
        """));

    public static BounceTemplate Delay { get; } = new(BounceTemplateKind.Delay, "us-ascii",
        DefaultFrom, "Delayed Mail (still being retried)", "Postmaster Warning: Delayed Mail",
        Lines("""
        This is the mail system at host $myhostname.

        ####################################################################
        # THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #
        ####################################################################

        Your message could not yet be delivered after $delay_warning_time_hours hour(s).
        The mail system will keep trying until the message is
        $maximal_queue_lifetime_days day(s) old.

        For help, please write to postmaster and include this report.

                           The mail system
        """));

    public static BounceTemplate Success { get; } = new(BounceTemplateKind.Success, "us-ascii",
        DefaultFrom, "Successful Mail Delivery Report", "",
        Lines("""
        This is the mail system at host $myhostname.

        Your message was delivered to the destinations listed below.
        If it was delivered into a mailbox, no further notice follows;
        otherwise you may still receive notices from other systems.

                           The mail system
        """));

    public static BounceTemplate Verify { get; } = new(BounceTemplateKind.Verify, "us-ascii",
        DefaultFrom, "Mail Delivery Status Report", "",
        Lines("""
        This is the mail system at host $myhostname.

        Enclosed is the mail delivery report that you requested.

                           The mail system
        """));

    /// <summary>The four templates, with those a bounce_template_file defines taking their place.</summary>
    public static IReadOnlyDictionary<BounceTemplateKind, BounceTemplate> Load(MainConfig config)
    {
        var result = new Dictionary<BounceTemplateKind, BounceTemplate>
        {
            [BounceTemplateKind.Failure] = Failure,
            [BounceTemplateKind.Delay] = Delay,
            [BounceTemplateKind.Success] = Success,
            [BounceTemplateKind.Verify] = Verify,
        };
        var file = config.Get("bounce_template_file").Trim();
        if (file.Length > 0)
        {
            foreach (var t in Parse(File.ReadAllText(file), file))
                result[t.Kind] = t;
        }
        return result;
    }

    /// <summary>Parses a bounce_template_file; errors name the file and line.</summary>
    public static IReadOnlyList<BounceTemplate> Parse(string text, string path)
    {
        var templates = new List<BounceTemplate>();
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line[0] == '#')
                continue;
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            int here = line.IndexOf("<<", StringComparison.Ordinal);
            if (eq <= 0 || here < eq)
                throw new ConfigException(path, i + 1, $"expected \"name = <<TAG\": \"{line}\"");
            var name = line[..eq].Trim();
            var tag = line[(here + 2)..].Trim();
            var kind = name switch
            {
                "failure_template" => BounceTemplateKind.Failure,
                "delay_template" => BounceTemplateKind.Delay,
                "success_template" => BounceTemplateKind.Success,
                "verify_template" => BounceTemplateKind.Verify,
                _ => throw new ConfigException(path, i + 1, $"unknown template name: {name}"),
            };
            var block = new List<string>();
            int start = i + 1;
            for (i++; i < lines.Length && lines[i].TrimEnd() != tag; i++)
                block.Add(lines[i]);
            if (i >= lines.Length)
                throw new ConfigException(path, start, $"missing \"{tag}\" end marker for {name}");
            templates.Add(ParseOne(kind, block, path, start));
        }
        return templates;
    }

    private static BounceTemplate ParseOne(BounceTemplateKind kind, List<string> block, string path, int line)
    {
        var defaults = kind switch
        {
            BounceTemplateKind.Failure => Failure,
            BounceTemplateKind.Delay => Delay,
            BounceTemplateKind.Success => Success,
            _ => Verify,
        };
        string charset = defaults.Charset, from = defaults.From, subject = defaults.Subject, pmSubject = defaults.PostmasterSubject;
        int j = 0;
        for (; j < block.Count && block[j].Trim().Length > 0; j++)
        {
            var h = block[j];
            int colon = h.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
                throw new ConfigException(path, line + j, $"malformed template header: \"{h}\"");
            var value = h[(colon + 1)..].Trim();
            switch (h[..colon].Trim().ToLowerInvariant())
            {
                case "charset": charset = value; break;
                case "from": from = value; break;
                case "subject": subject = value; break;
                case "postmaster-subject": pmSubject = value; break;
                default: throw new ConfigException(path, line + j, $"unknown template header: \"{h[..colon]}\"");
            }
        }
        if (charset.Equals("us-ascii", StringComparison.OrdinalIgnoreCase)
            && block.Skip(j).Any(l => l.Any(c => c > 0x7f)))
            throw new ConfigException(path, line, "8-bit template text requires a Charset: header other than us-ascii");
        return new BounceTemplate(kind, charset, from, subject, pmSubject, block.Skip(j + 1).ToList());
    }

    /// <summary>The template text with $parameters and the special time forms expanded.</summary>
    public static IEnumerable<string> Expand(BounceTemplate template, MainConfig config)
    {
        foreach (var line in template.Body)
            yield return ExpandLine(line, config);
    }

    private static readonly string[] TimeParameters = ["bounce_queue_lifetime", "delay_warning_time", "maximal_queue_lifetime"];
    private static readonly (string Suffix, double Seconds)[] Units = [("_seconds", 1), ("_minutes", 60), ("_hours", 3600), ("_days", 86400), ("_weeks", 604800)];

    private static string ExpandLine(string line, MainConfig config)
    {
        if (!line.Contains('$', StringComparison.Ordinal))
            return line;
        var sb = new StringBuilder(line.Length + 16);
        for (int i = 0; i < line.Length; i++)
        {
            if (line[i] != '$' || i + 1 >= line.Length)
            {
                sb.Append(line[i]);
                continue;
            }
            bool braced = line[i + 1] == '{';
            int start = braced ? i + 2 : i + 1;
            int end = start;
            while (end < line.Length && (char.IsAsciiLetterOrDigit(line[end]) || line[end] == '_'))
                end++;
            var name = line[start..end];
            if (braced && (end >= line.Length || line[end] != '}'))
            {
                sb.Append(line[i]);
                continue;
            }
            sb.Append(Value(name, config));
            i = braced ? end : end - 1;
        }
        return sb.ToString();
    }

    private static string Value(string name, MainConfig config)
    {
        foreach (var p in TimeParameters)
        {
            foreach (var (suffix, seconds) in Units)
            {
                if (name == p + suffix)
                {
                    var t = config.GetTime(p).TotalSeconds / seconds;
                    return Math.Floor(t).ToString(CultureInfo.InvariantCulture);
                }
            }
        }
        return config.Get(name);
    }

    private static string[] Lines(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
}
