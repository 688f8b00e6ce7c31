using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Posthorn.Services.Smtpd;
using Posthorn.Services.Tests.Tls;

namespace Posthorn.Services.Tests.Smtpd;

/// <summary>STARTTLS (RFC 3207) in smtpd over a loopback socket pair: offer, handshake, reset, injection.</summary>
public sealed class SmtpdStartTlsTests
{
    /// <summary>One session over a real socket, with the handshake wired as the service wires it.</summary>
    private sealed class TlsConversation : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly TcpClient _client = new();
        private readonly Socket _serverSocket;
        private readonly NetworkStream _serverStream;
        private Stream _clientStream;
        private StreamReader _reader;
        private readonly byte[] _expected;

        public TlsConversation(SmtpdFixture f)
        {
            _listener.Start();
            _client.Connect(IPAddress.Loopback, ((IPEndPoint)_listener.LocalEndpoint).Port);
            _serverSocket = _listener.AcceptSocket();
            _expected = f.Server.Security.Tls?.Certificate.GetCertHash() ?? [];
            _serverStream = new NetworkStream(_serverSocket, ownsSocket: true);
            var session = new SmtpdSession(f.Server,
                PipeReader.Create(_serverStream, new StreamPipeReaderOptions(leaveOpen: true)),
                PipeWriter.Create(_serverStream, new StreamPipeWriterOptions(leaveOpen: true)), IPAddress.Loopback);
            if (f.Server.Security.Tls is { } tls)
                session.TlsHandshake = token => tls.AuthenticateAsync(_serverStream, TimeSpan.FromSeconds(10), token);
            Run = Task.Run(async () =>
            {
                using (session)
                    await session.RunAsync(CancellationToken.None);
                _serverStream.Dispose();
            });
            _clientStream = _client.GetStream();
            _reader = new StreamReader(_clientStream, Encoding.Latin1);
        }

        public Task Run { get; }

        public async Task SendAsync(string text)
        {
            await _clientStream.WriteAsync(Encoding.Latin1.GetBytes(text));
            await _clientStream.FlushAsync();
        }

        public async Task<string?> ReadReplyAsync()
        {
            var lines = new List<string>();
            while (await _reader.ReadLineAsync() is { } line)
            {
                lines.Add(line);
                if (line.Length < 4 || line[3] != '-')
                    break;
            }
            return lines.Count == 0 ? null : string.Join("\n", lines);
        }

        public async Task<string?> CommandAsync(string line)
        {
            await SendAsync(line + "\r\n");
            return await ReadReplyAsync();
        }

        public async Task<SslStream> StartClientTlsAsync()
        {
            // The test trusts exactly the certificate the server was given.
            var expected = _expected;
            var ssl = new SslStream(_clientStream, false, (_, cert, _, _) => cert is not null && cert.GetCertHash().AsSpan().SequenceEqual(expected));
            await ssl.AuthenticateAsClientAsync("localhost");
            _clientStream = ssl;
            _reader = new StreamReader(ssl, Encoding.Latin1);
            return ssl;
        }

        public async ValueTask DisposeAsync()
        {
            _client.Dispose();
            await Run.WaitAsync(TimeSpan.FromSeconds(10));
            _listener.Stop();
        }
    }

    private static SmtpdFixture Fixture(TestCertificate cert, string extra = "") => new($"""
        smtpd_tls_security_level = may
        smtpd_tls_cert_file = {cert.CertFile}
        smtpd_tls_key_file = {cert.KeyFile}
        {extra}
        """);

    [Fact]
    public async Task StartTls_is_offered_then_session_restarts_inside_tls()
    {
        using var cert = new TestCertificate();
        using var f = Fixture(cert, "smtpd_tls_received_header = yes");
        await using var c = new TlsConversation(f);
        await c.ReadReplyAsync();
        var ehlo = await c.CommandAsync("EHLO client.example.org");
        Assert.Contains("250-STARTTLS", ehlo);
        Assert.Equal("220 2.0.0 Ready to start TLS", await c.CommandAsync("STARTTLS"));
        await c.StartClientTlsAsync();
        Assert.DoesNotContain("STARTTLS", await c.CommandAsync("EHLO client.example.org"));
        Assert.Equal("554 5.5.1 Error: TLS already active", await c.CommandAsync("STARTTLS"));
        Assert.Equal("250 2.1.0 Ok", await c.CommandAsync("MAIL FROM:<alice@example.org>"));
        Assert.Equal("250 2.1.5 Ok", await c.CommandAsync("RCPT TO:<bob@example.com>"));
        await c.CommandAsync("DATA");
        await c.SendAsync("Subject: tls\r\n\r\nbody\r\n");
        Assert.StartsWith("250 2.0.0 Ok: queued as ", await c.CommandAsync("."));
        await c.CommandAsync("QUIT");
        await c.Run;
        var read = Posthorn.Core.Queue.QueueFileReader.Read(Assert.Single(f.Files()));
        using (var content = new StreamReader(read.File!.OpenContent()))
        {
            var text = content.ReadToEnd();
            Assert.Matches(@"\(using TLSv1\.[23] with cipher \S+ \(\d+/\d+ bits\)\)", text);
            Assert.Contains("with ESMTPS id", text);
        }
        Assert.Matches(@"Anonymous TLS connection established from localhost\[127\.0\.0\.1\]: TLSv1\.[23] with cipher \S+ \(\d+/\d+ bits\)", f.Log);
    }

    [Fact]
    public async Task Plaintext_pipelined_after_StartTls_is_discarded_not_executed()
    {
        using var cert = new TestCertificate();
        using var f = Fixture(cert);
        await using var c = new TlsConversation(f);
        await c.ReadReplyAsync();
        await c.CommandAsync("EHLO client.example.org");
        await c.SendAsync("STARTTLS\r\nRSET\r\n");
        Assert.Equal("220 2.0.0 Ready to start TLS", await c.ReadReplyAsync());
        await c.StartClientTlsAsync();
        // The first reply inside TLS answers our EHLO, not the injected RSET.
        Assert.StartsWith("250-mail.example.com", await c.CommandAsync("EHLO client.example.org"));
        await c.CommandAsync("QUIT");
        await c.Run;
        var log = f.Log;
        Assert.Contains("discarding 6 bytes of plaintext after STARTTLS", log);
        Assert.DoesNotContain("rset=", log);
        Assert.Contains("ehlo=2 starttls=1 quit=1 commands=4", log);
    }

    [Fact]
    public async Task Encrypt_level_demands_StartTls_before_mail()
    {
        using var cert = new TestCertificate();
        using var f = Fixture(cert, "smtpd_tls_security_level = encrypt");
        await using var c = new TlsConversation(f);
        await c.ReadReplyAsync();
        await c.CommandAsync("EHLO client.example.org");
        Assert.Equal("530 5.7.0 Must issue a STARTTLS command first", await c.CommandAsync("MAIL FROM:<a@example.com>"));
        Assert.Equal("220 2.0.0 Ready to start TLS", await c.CommandAsync("STARTTLS"));
        await c.StartClientTlsAsync();
        await c.CommandAsync("EHLO client.example.org");
        Assert.Equal("250 2.1.0 Ok", await c.CommandAsync("MAIL FROM:<a@example.com>"));
        await c.CommandAsync("QUIT");
    }

    [Fact]
    public async Task No_StartTls_without_a_certificate()
    {
        using var f = new SmtpdFixture("smtpd_tls_security_level = may");
        await using var c = new TlsConversation(f);
        await c.ReadReplyAsync();
        Assert.DoesNotContain("STARTTLS", await c.CommandAsync("EHLO client.example.org"));
        Assert.Equal("502 5.5.1 Error: command not implemented", await c.CommandAsync("STARTTLS"));
        await c.CommandAsync("QUIT");
    }

    [Fact]
    public async Task Wrapper_mode_starts_tls_before_the_greeting()
    {
        using var cert = new TestCertificate();
        using var f = Fixture(cert, "smtpd_tls_wrappermode = yes\nsmtpd_sasl_auth_enable = yes\nsmtpd_tls_auth_only = yes");
        await using var c = new TlsConversation(f);
        await c.StartClientTlsAsync();
        Assert.StartsWith("220 mail.example.com", await c.ReadReplyAsync());
        var ehlo = await c.CommandAsync("EHLO client.example.org");
        Assert.DoesNotContain("STARTTLS", ehlo);
        Assert.Contains("AUTH PLAIN LOGIN", ehlo);
        await c.CommandAsync("QUIT");
    }

    [Fact]
    public async Task Wrapper_mode_without_a_certificate_never_talks_plaintext()
    {
        using var f = new SmtpdFixture("smtpd_tls_wrappermode = yes");
        await using var c = new TlsConversation(f);
        Assert.Null(await c.ReadReplyAsync());
        await c.Run;
        Assert.Contains("smtpd_tls_wrappermode = yes but no TLS certificate", f.Log);
    }
}
