using System.Globalization;

namespace Posthorn.Protocols.Smtp;

/// <summary>
/// The MAIL FROM and RCPT TO halves of <see cref="SmtpCommandParser"/>: splits the path from the
/// ESMTP parameters (a path in angle brackets may hold quoted strings with spaces) and decodes the
/// parameters, with Postfix smtpd's replies for each syntax error.
/// </summary>
internal static class SmtpMailRcptParser
{
    public static SmtpParseResult ParseMail(SmtpCommand cmd)
    {
        if (!SplitPath(cmd.Argument, "FROM:", out var path, out var words, out bool tokenError))
            return SmtpParseResult.Fail(SmtpReplies.MailSyntax);
        if (tokenError)
            return SmtpParseResult.Fail(SmtpReplies.BadSenderAddress);
        var p = new MailParameters();
        bool haveRet = false, haveEnvid = false, haveAuth = false;
        foreach (var word in words)
        {
            if (word.Equals("BODY=8BITMIME", StringComparison.OrdinalIgnoreCase))
                p = p with { Body = BodyType.EightBitMime };
            else if (word.Equals("BODY=7BIT", StringComparison.OrdinalIgnoreCase))
                p = p with { Body = BodyType.SevenBit };
            // BODY=BINARYMIME is refused as an unsupported option, as Postfix does (no BINARYMIME in EHLO).
            else if (word.Equals("SMTPUTF8", StringComparison.OrdinalIgnoreCase))
                p = p with { SmtpUtf8 = true };
            else if (HasPrefix(word, "SIZE="))
            {
                var value = word[5..];
                if (!AllDigits(value))
                    return SmtpParseResult.Fail(SmtpReplies.BadMessageSize);
                if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long size))
                    return SmtpParseResult.Fail(SmtpReplies.MessageSizeFileSystemLimit);
                p = p with { Size = size };
            }
            else if (HasPrefix(word, "RET="))
            {
                var ret = word[4..].ToUpperInvariant() switch
                {
                    "FULL" => DsnRet.Full,
                    "HDRS" => DsnRet.Hdrs,
                    _ => DsnRet.None,
                };
                if (haveRet || ret == DsnRet.None)
                    return SmtpParseResult.Fail(SmtpReplies.BadRet);
                haveRet = true;
                p = p with { Ret = ret };
            }
            else if (HasPrefix(word, "ENVID="))
            {
                if (haveEnvid || !XText.TryDecode(word[6..], out var envid) || !AllPrint(envid))
                    return SmtpParseResult.Fail(SmtpReplies.BadEnvid);
                haveEnvid = true;
                p = p with { Envid = envid };
            }
            else if (HasPrefix(word, "AUTH="))
            {
                if (haveAuth)
                    return SmtpParseResult.Fail(SmtpReplies.MultipleAuth);
                haveAuth = true;
                var raw = word[5..];
                p = p with { Auth = XText.TryDecode(raw, out var auth) ? auth : raw };
            }
            else
            {
                return SmtpParseResult.Fail(SmtpReplies.UnsupportedOption(word));
            }
        }
        return SmtpParseResult.Ok(cmd with { Path = path, Mail = p });
    }

    public static SmtpParseResult ParseRcpt(SmtpCommand cmd)
    {
        if (!SplitPath(cmd.Argument, "TO:", out var path, out var words, out bool tokenError))
            return SmtpParseResult.Fail(SmtpReplies.RcptSyntax);
        if (tokenError)
            return SmtpParseResult.Fail(SmtpReplies.BadRecipientAddress);
        var p = new RcptParameters();
        bool haveNotify = false, haveOrcpt = false;
        foreach (var word in words)
        {
            if (HasPrefix(word, "NOTIFY="))
            {
                var notify = ParseNotify(word[7..]);
                if (haveNotify || notify == DsnNotify.None)
                    return SmtpParseResult.Fail(SmtpReplies.BadNotify);
                haveNotify = true;
                p = p with { Notify = notify };
            }
            else if (HasPrefix(word, "ORCPT="))
            {
                var value = word[6..];
                int semi = value.IndexOf(';', StringComparison.Ordinal);
                if (haveOrcpt || semi <= 0 || !XText.TryDecode(value[(semi + 1)..], out var addr))
                    return SmtpParseResult.Fail(SmtpReplies.BadOrcpt);
                haveOrcpt = true;
                p = p with { OrcptType = value[..semi], OrcptAddress = addr };
            }
            else
            {
                return SmtpParseResult.Fail(SmtpReplies.UnsupportedOption(word));
            }
        }
        return SmtpParseResult.Ok(cmd with { Path = path, Rcpt = p });
    }

    /// <summary>RFC 3461 section 4.1: NEVER, or a comma list of SUCCESS, FAILURE, DELAY.</summary>
    public static DsnNotify ParseNotify(string value)
    {
        var result = DsnNotify.None;
        foreach (var item in value.Split(','))
        {
            var flag = item.ToUpperInvariant() switch
            {
                "NEVER" => DsnNotify.Never,
                "SUCCESS" => DsnNotify.Success,
                "FAILURE" => DsnNotify.Failure,
                "DELAY" => DsnNotify.Delay,
                _ => DsnNotify.None,
            };
            if (flag == DsnNotify.None)
                return DsnNotify.None;
            result |= flag;
        }
        if ((result & DsnNotify.Never) != 0 && result != DsnNotify.Never)
            return DsnNotify.None;
        return result;
    }

    /// <summary>
    /// Splits "FROM:&lt;path&gt; PARAM PARAM" (the keyword case-insensitive, spaces allowed after
    /// the colon). False when the keyword or the path is missing; <paramref name="tokenError"/>
    /// when the path has an unterminated "&lt;" or quoted string.
    /// </summary>
    private static bool SplitPath(string argument, string keyword, out string path,
        out List<string> words, out bool tokenError)
    {
        path = "";
        words = [];
        tokenError = false;
        if (!argument.StartsWith(keyword, StringComparison.OrdinalIgnoreCase))
            return false;
        var rest = argument[keyword.Length..].TrimStart(' ', '\t');
        if (rest.Length == 0)
            return false;
        int end = PathEnd(rest, out tokenError);
        if (tokenError)
            return true;
        path = rest[..end];
        words.AddRange(rest[end..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries));
        return true;
    }

    /// <summary>The index just past the path token.</summary>
    private static int PathEnd(string s, out bool error)
    {
        error = false;
        bool angle = s[0] == '<';
        bool quoted = false;
        for (int i = angle ? 1 : 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '\\' && (quoted || angle))
            {
                i++;
                continue;
            }
            if (c == '"')
                quoted = !quoted;
            else if (quoted)
                continue;
            else if (angle && c == '>')
                return i + 1;
            else if (!angle && c is ' ' or '\t')
                return i;
        }
        if (angle || quoted)
            error = true;
        return s.Length;
    }

    private static bool HasPrefix(string word, string prefix) =>
        word.StartsWith(prefix, StringComparison.OrdinalIgnoreCase);

    internal static bool AllDigits(string s)
    {
        if (s.Length == 0)
            return false;
        foreach (char c in s)
            if (c is < '0' or > '9')
                return false;
        return true;
    }

    private static bool AllPrint(string s)
    {
        foreach (char c in s)
            if (c is < ' ' or > '~')
                return false;
        return true;
    }
}
