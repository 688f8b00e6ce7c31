using System.Text;
using Posthorn.Core.Maps;
using Posthorn.Core.Users;
using Posthorn.Protocols.Smtp;
using Posthorn.Services.MailStore;

namespace Posthorn.Services.Lmtpd;

/// <summary>
/// Delivers one message to one LMTP recipient's INBOX through <see cref="UserMailStore"/>
/// (Maildir, or mbox with locking), the same store local/virtual delivery and pop3d/imapd use,
/// after adding <c>Return-Path:</c> and <c>Delivered-To:</c> as Dovecot's LMTP does. The result is
/// the recipient's reply after DATA (RFC 2033 section 4.2): <c>250 2.0.0 &lt;addr&gt; Saved</c>,
/// or 4xx when the mailbox is locked or the store fails, so the client retries.
/// </summary>
internal static class LmtpDelivery
{
    public static SmtpReply Deliver(LmtpdSettings settings, UserEntry user, string sender, string recipient, byte[] content, int length, string sessionId)
    {
        string path;
        try
        {
            path = new UserMailboxLocator(settings.Config).Locate(user);
        }
        catch (MailboxNameException e)
        {
            return new SmtpReply(451, "4.3.0", $"<{recipient}> Temporary internal error: {e.Message}");
        }
        catch (TableLookupException)
        {
            return new SmtpReply(451, "4.3.0", $"<{recipient}> Temporary internal error: virtual_mailbox_maps lookup failed");
        }
        var head = Encoding.UTF8.GetBytes($"Return-Path: <{sender}>\nDelivered-To: {recipient}\n");
        try
        {
            using var stream = new ConcatStream(head, content, length);
            UserMailStore.For(path, settings.LockOptions).Deliver(stream, sender, DateTimeOffset.Now);
            return new SmtpReply(250, "2.0.0", $"<{recipient}> {sessionId} Saved");
        }
        catch (MailboxLockException)
        {
            return new SmtpReply(451, "4.2.0", $"<{recipient}> Mailbox is locked, try again later");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new SmtpReply(451, "4.3.0", $"<{recipient}> Temporary internal error");
        }
    }

    /// <summary>Reads the added header lines, then the message, without copying either.</summary>
    private sealed class ConcatStream(byte[] head, byte[] body, int bodyLength) : Stream
    {
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => head.Length + bodyLength;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = 0;
            if (_position < head.Length)
            {
                n = Math.Min(buffer.Length, head.Length - (int)_position);
                head.AsSpan((int)_position, n).CopyTo(buffer);
            }
            else if (_position < Length)
            {
                int start = (int)(_position - head.Length);
                n = Math.Min(buffer.Length, bodyLength - start);
                body.AsSpan(start, n).CopyTo(buffer);
            }
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
