using System.Text.RegularExpressions;

namespace Posthorn.Services.Cleanup;

/// <summary>
/// The actions of header_checks(5) and body_checks as cleanup(8) carries them out (Postfix's
/// cleanup_act): REJECT [text] (a 4.x.x text defers), WARN, INFO, HOLD, DISCARD, REDIRECT
/// user@domain, FILTER transport:destination, PASS, PREPEND text, REPLACE text, BCC
/// user@domain, STRIP, IGNORE, DUNNO, OK; each logged in Postfix's format
/// ("QUEUEID: reject: header Subject: ... from client[addr]; from=&lt;..&gt; to=&lt;..&gt;
/// proto=ESMTP helo=&lt;..&gt;: text"). Action names are case-insensitive.
/// </summary>
internal static partial class ContentActions
{
    public const string HeaderContext = "header";
    public const string BodyContext = "body";

    [GeneratedRegex(@"^[245]\.\d{1,3}\.\d{1,3}(\s|$)")]
    private static partial Regex DsnStatus();

    /// <summary>
    /// Carries out <paramref name="value"/> for <paramref name="content"/>; returns null to drop the
    /// line, <paramref name="content"/> to keep it, or a replacement. <paramref name="prepend"/>
    /// writes a PREPEND text before the current line.
    /// </summary>
    public static string? Act(CleanupState state, string context, string content, string value, string mapClass, Action<string> prepend)
    {
        int cmdLen = 0;
        while (cmdLen < value.Length && value[cmdLen] is not (' ' or '\t'))
            cmdLen++;
        var command = value[..cmdLen].ToUpperInvariant();
        var text = value[cmdLen..].TrimStart(' ', '\t', '\r', '\n');
        bool isHeader = context == HeaderContext;
        switch (command)
        {
            case "REJECT":
                var reason = text.Length > 0 ? DsnPrepend("5.7.1", text) : "5.7.1 message content rejected";
                if (reason[0] is not ('4' or '5'))
                {
                    state.Warn($"bad DSN action in {text} -- need 4.x.x or 5.x.x");
                    reason = "4" + reason[1..];
                }
                if (reason[0] == '4')
                    state.Fail(CleanupDispositionKind.Defer, "451 " + reason);
                else
                    state.Fail(CleanupDispositionKind.Reject, "550 " + reason);
                state.ChecksEnabled = false;
                state.ActLog("reject", context, content, reason);
                return content;
            case "WARN":
                state.ActLog("warning", context, content, text);
                return content;
            case "INFO":
                state.ActLog("info", context, content, text);
                return content;
            case "FILTER":
                if (text.Length == 0)
                    state.Warn($"missing FILTER command argument in {mapClass} map");
                else if (!text.Contains(':', StringComparison.Ordinal))
                    state.Warn($"bad FILTER command {text} in {mapClass} -- need transport:destination");
                else
                {
                    state.Filter = text;
                    state.ActLog("filter", context, content, text);
                }
                return content;
            case "PASS":
                state.ActLog("pass", context, content, text);
                state.ChecksEnabled = false;
                return content;
            case "DISCARD":
                state.ActLog("discard", context, content, text);
                state.Discard = true;
                state.ChecksEnabled = false;
                return content;
            case "HOLD":
                if (!state.Hold && !state.Discard)
                {
                    state.ActLog("hold", context, content, text);
                    state.Hold = true;
                    state.HoldReason = text;
                }
                return content;
            case "PREPEND":
                if (text.Length == 0)
                    state.Warn($"PREPEND action without text in {mapClass} map");
                else if (isHeader && !HeaderOptions.IsHeader(text))
                    state.Warn($"bad PREPEND header text \"{text}\" in {mapClass} map -- need \"headername: headervalue\"");
                else
                {
                    state.ActLog("prepend", context, content, text);
                    prepend(text);
                }
                return content;
            case "REPLACE":
                if (text.Length == 0)
                {
                    state.Warn($"REPLACE action without text in {mapClass} map");
                    return content;
                }
                if (isHeader && !HeaderOptions.IsHeader(text))
                {
                    state.Warn($"bad REPLACE header text \"{text}\" in {mapClass} map -- need \"headername: headervalue\"");
                    return content;
                }
                state.ActLog("replace", context, content, text);
                return text;
            case "REDIRECT":
                if (!text.Contains('@', StringComparison.Ordinal))
                {
                    state.Warn($"bad REDIRECT target \"{text}\" in {mapClass} map -- need user@domain");
                }
                else
                {
                    state.Redirect = text;
                    state.ActLog("redirect", context, content, text);
                    state.ChecksEnabled = false;
                }
                return content;
            case "BCC":
                if (!text.Contains('@', StringComparison.Ordinal))
                {
                    state.Warn($"bad BCC address \"{text}\" in {mapClass} map -- need user@domain");
                }
                else
                {
                    state.CheckBcc.Add(text);
                    state.ActLog("bcc", context, content, text);
                }
                return content;
            case "STRIP":
                state.ActLog("strip", context, content, text);
                return null;
            case "IGNORE":
                return null;
            case "DUNNO":
            case "OK":
                return content;
            default:
                state.Warn($"unknown command in {mapClass} map: {value}");
                return content;
        }
    }

    /// <summary>dsn_prepend(): keeps a leading "4.x.x "/"5.x.x " status, else puts the default one in front.</summary>
    public static string DsnPrepend(string defaultStatus, string text) =>
        DsnStatus().IsMatch(text) ? text : defaultStatus + " " + text;
}
