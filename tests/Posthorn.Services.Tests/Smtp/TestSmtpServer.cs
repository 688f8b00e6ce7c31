using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Posthorn.Services.Tests.SmtpClient;

/// <summary>What the test server received in one transaction.</summary>
public sealed record ReceivedMessage(string Sender, IReadOnlyList<string> Recipients, string Content, bool Tls);

/// <summary>
/// A scripted SMTP or LMTP receiver on loopback (TCP or a UNIX-domain socket) for the client
/// tests: replies come from the script's delegates, and it records every command, every raw
/// read (to see pipelining) and every message. Misbehaviours on request: garbage instead of a
/// reply, silence after MAIL FROM, or a dropped connection in the middle of DATA.
/// </summary>
public sealed class TestSmtpServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accept;

    public TestSmtpServer(IPAddress address, int port = 0, string? unixPath = null)
    {
        if (unixPath is not null)
        {
            _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            _listener.Bind(new UnixDomainSocketEndPoint(unixPath));
        }
        else
        {
            _listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            _listener.Bind(new IPEndPoint(address, port));
        }
        _listener.Listen(16);
        Port = unixPath is null ? ((IPEndPoint)_listener.LocalEndPoint!).Port : 0;
        _accept = AcceptLoopAsync();
    }

    public int Port { get; }

    public bool Lmtp { get; init; }

    public string Greeting { get; init; } = "220 mx.test.example ESMTP";

    public List<string> Keywords { get; init; } = ["PIPELINING", "SIZE 10240000", "8BITMIME", "DSN", "ENHANCEDSTATUSCODES"];

    public X509Certificate2? Certificate { get; init; }

    /// <summary>Intermediate certificates sent with <see cref="Certificate"/> in the TLS handshake.</summary>
    public X509Certificate2Collection? Chain { get; init; }

    public Func<string, string> MailReply { get; init; } = _ => "250 2.1.0 Ok";

    public Func<string, string> RcptReply { get; init; } = _ => "250 2.1.5 Ok";

    public string DataReply { get; init; } = "354 End data with <CR><LF>.<CR><LF>";

    /// <summary>The end-of-data reply (SMTP), or per recipient (LMTP).</summary>
    public Func<string, string> DotReply { get; init; } = _ => "250 2.0.0 Ok: queued as TEST1";

    /// <summary>Sent in place of the reply to MAIL FROM.</summary>
    public string? GarbageAfterMail { get; init; }

    public bool StallAfterMail { get; init; }

    public bool DropInData { get; init; }

    /// <summary>Answers STARTTLS with 220, then closes instead of doing the handshake.</summary>
    public bool BreakTls { get; init; }

    /// <summary>Sends a plaintext reply right behind the STARTTLS 220 (response injection, CVE-2011-0411).</summary>
    public bool InjectAfterStartTls { get; init; }

    /// <summary>Refuses EHLO (502), as a pre-ESMTP server does.</summary>
    public bool NoEhlo { get; init; }

    public ConcurrentQueue<string> Commands { get; } = new();

    public ConcurrentQueue<string> Reads { get; } = new();

    public ConcurrentQueue<ReceivedMessage> Messages { get; } = new();

    private int _connections;

    public int Connections => Volatile.Read(ref _connections);

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket s;
            try
            {
                s = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }
            Interlocked.Increment(ref _connections);
            _ = Task.Run(() => SessionAsync(s));
        }
    }

    private async Task SessionAsync(Socket socket)
    {
        using var _ = socket;
        Stream stream = new NetworkStream(socket, ownsSocket: false);
        var pending = new StringBuilder();
        bool tls = false;
        bool mailOk = false;
        string sender = "";
        var rcpts = new List<string>();
        var accepted = new List<string>();
        async Task Send(string text)
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(text.EndsWith("\r\n", StringComparison.Ordinal) ? text : text + "\r\n"));
            await stream.FlushAsync();
        }
        async Task<string?> ReadLine()
        {
            while (true)
            {
                var text = pending.ToString();
                int nl = text.IndexOf("\r\n", StringComparison.Ordinal);
                if (nl >= 0)
                {
                    pending.Remove(0, nl + 2);
                    return text[..nl];
                }
                var buf = new byte[65536];
                int n;
                try
                {
                    n = await stream.ReadAsync(buf, _stop.Token);
                }
                catch (Exception)
                {
                    return null;
                }
                if (n == 0)
                    return null;
                var chunk = Encoding.UTF8.GetString(buf, 0, n);
                Reads.Enqueue(chunk);
                pending.Append(chunk);
            }
        }
        try
        {
            await Send(Greeting);
            if (!Greeting.StartsWith('2'))
            {
                await ReadLine();
                return;
            }
            while (true)
            {
                var line = await ReadLine();
                if (line is null)
                    return;
                Commands.Enqueue(line);
                var verb = line.Split(' ')[0].ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO" when NoEhlo:
                        await Send("502 5.5.2 Error: command not recognized");
                        break;
                    case "EHLO" or "LHLO":
                        var kw = new List<string>(Keywords);
                        if ((Certificate is not null || BreakTls) && !tls)
                            kw.Add("STARTTLS");
                        var lines = new List<string> { "mx.test.example" };
                        lines.AddRange(kw);
                        for (int i = 0; i < lines.Count; i++)
                            await Send("250" + (i == lines.Count - 1 ? " " : "-") + lines[i]);
                        break;
                    case "HELO":
                        await Send("250 mx.test.example");
                        break;
                    case "STARTTLS":
                        await Send(InjectAfterStartTls ? "220 2.0.0 Ready to start TLS\r\n250 injected" : "220 2.0.0 Ready to start TLS");
                        if (BreakTls)
                        {
                            await Task.Delay(100);
                            return;
                        }
                        var ssl = new SslStream(stream, false);
                        if (Chain is null)
                            await ssl.AuthenticateAsServerAsync(Certificate!);
                        else
                            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                            {
                                ServerCertificateContext = SslStreamCertificateContext.Create(Certificate!, Chain, offline: true),
                            });
                        stream = ssl;
                        tls = true;
                        break;
                    case "MAIL":
                        sender = Between(line);
                        rcpts.Clear();
                        accepted.Clear();
                        if (StallAfterMail)
                        {
                            await Task.Delay(Timeout.Infinite, _stop.Token);
                            return;
                        }
                        if (GarbageAfterMail is not null)
                        {
                            await Send(GarbageAfterMail);
                            break;
                        }
                        var mailReply = MailReply(sender);
                        mailOk = mailReply.StartsWith('2');
                        await Send(mailReply);
                        break;
                    case "RCPT":
                        if (!mailOk)
                        {
                            await Send("503 5.5.1 Error: need MAIL command");
                            break;
                        }
                        var r = Between(line);
                        rcpts.Add(r);
                        var reply = RcptReply(r);
                        if (reply.StartsWith('2'))
                            accepted.Add(r);
                        await Send(reply);
                        break;
                    case "DATA":
                        if (accepted.Count == 0)
                        {
                            await Send("554 5.5.1 Error: no valid recipients");
                            break;
                        }
                        await Send(DataReply);
                        if (!DataReply.StartsWith('3'))
                            break;
                        var body = new StringBuilder();
                        if (DropInData)
                        {
                            await ReadLine();
                            socket.Shutdown(SocketShutdown.Both);
                            return;
                        }
                        while (true)
                        {
                            var l = await ReadLine();
                            if (l is null)
                                return;
                            if (l == ".")
                                break;
                            body.Append(l.StartsWith('.') ? l[1..] : l).Append("\r\n");
                        }
                        Messages.Enqueue(new ReceivedMessage(sender, accepted.ToList(), body.ToString(), tls));
                        if (Lmtp)
                            foreach (var a in accepted)
                                await Send(DotReply(a));
                        else
                            await Send(DotReply(""));
                        break;
                    case "RSET":
                        rcpts.Clear();
                        accepted.Clear();
                        await Send("250 2.0.0 Ok");
                        break;
                    case "QUIT":
                        await Send("221 2.0.0 Bye");
                        return;
                    default:
                        await Send("502 5.5.2 Error: command not recognized");
                        break;
                }
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested || true)
        {
        }
    }

    private static string Between(string line)
    {
        int a = line.IndexOf('<', StringComparison.Ordinal);
        int b = line.IndexOf('>', StringComparison.Ordinal);
        return a >= 0 && b > a ? line[(a + 1)..b] : "";
    }

    /// <summary>A self-signed certificate for <paramref name="name"/>.</summary>
    public static X509Certificate2 SelfSigned(string name)
    {
        using var key = RSA.Create(2048);
        var req = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(name);
        req.CertificateExtensions.Add(san.Build());
        using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pfx), null);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        try
        {
            await _accept;
        }
        catch (Exception)
        {
        }
        _stop.Dispose();
    }
}
