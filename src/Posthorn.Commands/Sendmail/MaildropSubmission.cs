using System.Text;
using Posthorn.Core.Config;
using Posthorn.Core.Queue;
using Posthorn.Services.Pickup;

namespace Posthorn.Commands.Sendmail;

/// <summary>Why a submission failed: the message and the sysexits status sendmail exits with.</summary>
internal sealed class SubmissionException(string message, int status) : Exception(message)
{
    public int Status { get; } = status;
}

/// <summary>
/// sendmail(1)'s enqueue step (Postfix's sendmail.c enqueue() plus postdrop(1)): writes one
/// message from standard input as a queue file into <c>$queue_directory/maildrop</c>
/// (docs/sendmail.md). Leading "From " lines are dropped; trailing CRs are stripped per
/// sendmail_fix_line_endings (always, strict, never); without -i a line with a single "." ends
/// the message; with -t the To/Cc/Bcc (or Resent-*) recipients are written to the extracted
/// section, after any command-line recipients. The content is limited by message_size_limit.
/// The file is fsynced and complete (mode 0744) before this returns its queue id; on any
/// failure it is removed.
/// </summary>
internal sealed class MaildropSubmission
{
    private readonly MainConfig _config;
    private readonly SendmailOptions _options;
    private readonly string _user;
    private readonly long _uid;

    public MaildropSubmission(MainConfig config, SendmailOptions options, string user, long uid)
    {
        _config = config;
        _options = options;
        _user = user;
        _uid = uid;
    }

    private string Who(string sender) => $"{sender}({_uid})";

    /// <summary>Writes the message; returns the queue id, or throws <see cref="SubmissionException"/>.</summary>
    public string Submit(Stream input, TimeProvider? time = null) =>
        Write(ParseSender(), _options.Recipients, parseRecipients: true, input, _options.DotEndsMessage, _options.ExtractRecipients, time);

    /// <summary>
    /// Writes a message received over sendmail -bs: the envelope as given in MAIL FROM and RCPT
    /// TO, the content already dot-unstuffed.
    /// </summary>
    public string SubmitSmtp(string sender, IReadOnlyList<string> recipients, Stream content) =>
        Write(sender, recipients, parseRecipients: false, content, dotEndsMessage: false, extract: false, null);

    private string Write(string sender, IReadOnlyList<string> recipientArgs, bool parseRecipients, Stream input,
        bool dotEndsMessage, bool extract, TimeProvider? time)
    {
        string fixEol = _config.Get("sendmail_fix_line_endings");
        if (fixEol is not ("always" or "strict" or "never"))
            throw new SubmissionException($"invalid sendmail_fix_line_endings value: {fixEol}", 64);
        long sizeLimit = _config.GetLong("message_size_limit");
        var queue = QueueDirectory.FromConfig(_config, MaildropFile.SubmissionFileSystem, time);
        EnsureMaildrop(queue.Root);

        QueueFileWriter writer;
        try
        {
            writer = queue.Enter(QueueNames.Maildrop);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SubmissionException($"{Who(sender)}: unable to create queue file: {e.Message}", 75);
        }
        using (writer)
        {
            writer.ReadyMode = MaildropFile.ReadyMode;
            writer.WriteArrivalTime((time ?? TimeProvider.System).GetUtcNow());
            if (_options.DsnEnvid is not null)
                writer.WriteDsnEnvid(_options.DsnEnvid);
            if (_options.DsnRet is not null)
                writer.WriteDsnRet(_options.DsnRet);
            writer.WriteAttribute(QueueAttributes.RewriteContext, _options.RewriteContext);
            var fullName = _options.FullName ?? DefaultFullName();
            if (!string.IsNullOrEmpty(fullName))
                writer.WriteAttribute(MaildropFile.FullNameAttribute, Printable(fullName));
            writer.WriteSender(sender);
            if (_options.Encoding is not null)
                writer.WriteAttribute(QueueAttributes.Encoding, _options.Encoding);
            int count = 0;
            foreach (var arg in recipientArgs)
            {
                var addresses = parseRecipients ? HeaderRecipients.Parse(arg) : [arg];
                foreach (var address in addresses.Count == 0 ? [""] : addresses)
                {
                    writer.WriteRecipient(new QueueRecipientSpec(address, DsnNotify: _options.DsnNotify));
                    count++;
                }
            }

            var collector = extract ? new HeaderRecipients.Collector() : null;
            CopyContent(input, writer, fixEol, sizeLimit, collector, sender, dotEndsMessage);
            if (collector is not null)
            {
                foreach (var address in collector.Recipients)
                {
                    writer.WriteExtractedRecipient(new QueueRecipientSpec(address, DsnNotify: _options.DsnNotify));
                    count++;
                }
            }
            if (count == 0)
            {
                writer.Abort();
                throw new SubmissionException(extract
                    ? $"{Who(sender)}: No recipient addresses found in message header"
                    : $"{Who(sender)}: Recipient addresses must be specified on the command line or via the -t option", 64);
            }
            var result = writer.Commit();
            if (result.QueueId is null)
                throw new SubmissionException($"{Who(sender)}: error writing queue file: {result.Error}", 75);
            return result.QueueId;
        }
    }

    /// <summary>The -f sender as tok822 reads it (first address; "" for &lt;&gt;), or the login name.</summary>
    private string ParseSender()
    {
        if (_options.Sender is null)
            return _user;
        var addresses = HeaderRecipients.Parse(_options.Sender);
        if (addresses.Count > 1)
            _options.Warnings.Add($"-f option specified malformed sender: {_options.Sender}");
        return addresses.Count > 0 ? addresses[0] : "";
    }

    private void CopyContent(Stream input, QueueFileWriter writer, string fixEol, long sizeLimit,
        HeaderRecipients.Collector? collector, string sender, bool dotEndsMessage)
    {
        bool skipFrom = true, inHeaders = true;
        bool? stripCr = fixEol switch { "always" => true, "never" => false, _ => null };
        var header = new StringBuilder();
        long written = 0;
        var crlf = "\r\n"u8.ToArray();
        foreach (var raw in Lines(input))
        {
            var line = raw;
            stripCr ??= line.Length > 0 && line[^1] == '\r';
            if (skipFrom)
            {
                var text = Encoding.Latin1.GetString(line);
                if (text.TrimStart('>').StartsWith("From ", StringComparison.Ordinal))
                    continue;
                skipFrom = false;
            }
            if (stripCr == true)
            {
                int n = line.Length;
                while (n > 0 && line[n - 1] == '\r')
                    n--;
                if (n != line.Length)
                    line = line[..n];
            }
            if (dotEndsMessage && line.Length == 1 && line[0] == '.')
                break;
            if (collector is not null && inHeaders)
                inHeaders = TrackHeader(line, header, collector);
            written += line.Length + 2;
            if (sizeLimit > 0 && written > sizeLimit)
            {
                writer.Abort();
                throw new SubmissionException($"{Who(sender)}: message file too big", 65);
            }
            writer.AppendContent(line);
            writer.AppendContent(crlf);
        }
        if (collector is not null && header.Length > 0)
            collector.Add(header.ToString());
    }

    /// <summary>Follows the header block for -t; returns false once the headers have ended.</summary>
    private static bool TrackHeader(byte[] line, StringBuilder header, HeaderRecipients.Collector collector)
    {
        var text = Encoding.UTF8.GetString(line);
        if (text.Length > 0 && (text[0] == ' ' || text[0] == '\t') && header.Length > 0)
        {
            header.Append('\n').Append(text);
            return true;
        }
        if (header.Length > 0)
        {
            collector.Add(header.ToString());
            header.Clear();
        }
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        bool isHeader = colon > 0 && text[..colon].TrimEnd(' ', '\t').All(c => c > ' ' && c < 0x7f && c != ':');
        if (!isHeader)
            return false;
        header.Append(text);
        return true;
    }

    /// <summary>Lines of the input without their LF; a last line without LF counts.</summary>
    private static IEnumerable<byte[]> Lines(Stream input)
    {
        var buffer = new byte[64 * 1024];
        var line = new MemoryStream();
        int n;
        while ((n = input.Read(buffer, 0, buffer.Length)) > 0)
        {
            int start = 0;
            for (int i = 0; i < n; i++)
            {
                if (buffer[i] != '\n')
                    continue;
                line.Write(buffer, start, i - start);
                yield return line.ToArray();
                line.SetLength(0);
                start = i + 1;
            }
            line.Write(buffer, start, n - start);
        }
        if (line.Length > 0)
            yield return line.ToArray();
    }

    /// <summary>Creates maildrop (1733) when the queue directory exists but maildrop does not.</summary>
    private static void EnsureMaildrop(string root)
    {
        if (!Directory.Exists(root))
            throw new SubmissionException($"chdir {root}: No such file or directory", 69);
        var maildrop = Path.Combine(root, QueueNames.Maildrop);
        if (Directory.Exists(maildrop))
            return;
        try
        {
            Directory.CreateDirectory(maildrop);
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(maildrop, MaildropFile.DirectoryMode);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SubmissionException($"mkdir {maildrop}: {e.Message}", 75);
        }
    }

    /// <summary>The full name as Postfix's fullname(): $NAME, else the GECOS field of the user's passwd entry.</summary>
    private string? DefaultFullName()
    {
        var env = Environment.GetEnvironmentVariable("NAME");
        if (!string.IsNullOrEmpty(env))
            return env;
        try
        {
            foreach (var line in File.ReadLines("/etc/passwd"))
            {
                var f = line.Split(':');
                if (f.Length >= 5 && f[2] == _uid.ToString(System.Globalization.CultureInfo.InvariantCulture))
                {
                    var gecos = f[4].Split(',')[0];
                    if (gecos.Contains('&', StringComparison.Ordinal) && f[0].Length > 0)
                        gecos = gecos.Replace("&", char.ToUpperInvariant(f[0][0]) + f[0][1..], StringComparison.Ordinal);
                    return gecos.Length == 0 ? null : gecos;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No passwd file: no full name.
        }
        return null;
    }

    private static string Printable(string s) => new(s.Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
