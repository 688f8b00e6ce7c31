using System.Net;
using System.Net.Sockets;

namespace Posthorn.Services.Tests.SmtpClient;

/// <summary>
/// A DNS responder on loopback UDP for the client tests (RFC 1035 messages built by hand):
/// answers MX, A and TLSA queries for a test zone, NXDOMAIN for unknown names, NOERROR without
/// answers for a known name lacking the type, and SERVFAIL for names listed as failing. With
/// <see cref="AuthenticData"/> it plays a DNSSEC-validating resolver: the AD bit is set except
/// for names listed in <see cref="Insecure"/>.
/// </summary>
public sealed class TestDnsServer : IDisposable
{
    private readonly UdpClient _udp = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly CancellationTokenSource _stop = new();

    public TestDnsServer() => _ = LoopAsync();

    public int Port => ((IPEndPoint)_udp.Client.LocalEndPoint!).Port;

    /// <summary>"127.0.0.1:port" for posthorn_dns_servers.</summary>
    public string Endpoint => "127.0.0.1:" + Port;

    public Dictionary<string, List<(int Pref, string Host)>> Mx { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, List<IPAddress>> A { get; } = new(StringComparer.OrdinalIgnoreCase);

    public HashSet<string> ServFail { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>TLSA records by owner name (_25._tcp.host): usage, selector, matching type, data.</summary>
    public Dictionary<string, List<(byte Usage, byte Selector, byte Matching, byte[] Data)>> Tlsa { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Sets the AD bit in answers (a validating resolver that found them secure).</summary>
    public bool AuthenticData { get; set; }

    /// <summary>Names answered without the AD bit even when <see cref="AuthenticData"/> is set.</summary>
    public HashSet<string> Insecure { get; } = new(StringComparer.OrdinalIgnoreCase);

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult q;
            try
            {
                q = await _udp.ReceiveAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }
            try
            {
                var answer = Answer(q.Buffer);
                await _udp.SendAsync(answer, q.RemoteEndPoint);
            }
            catch (Exception)
            {
            }
        }
    }

    private byte[] Answer(byte[] query)
    {
        int pos = 12;
        var labels = new List<string>();
        while (query[pos] != 0)
        {
            int len = query[pos];
            labels.Add(System.Text.Encoding.ASCII.GetString(query, pos + 1, len));
            pos += len + 1;
        }
        pos++;
        int qtype = (query[pos] << 8) | query[pos + 1];
        pos += 4;
        var name = string.Join('.', labels);
        var answers = new List<byte[]>();
        int rcode = 0;
        if (ServFail.Contains(name))
            rcode = 2;
        else if (!Mx.ContainsKey(name) && !A.ContainsKey(name) && !Tlsa.ContainsKey(name))
            rcode = 3;
        else if (qtype == 52 && Tlsa.TryGetValue(name, out var tlsa))
            foreach (var (usage, selector, matching, data) in tlsa)
                answers.Add(Record(52, [usage, selector, matching, .. data]));
        else if (qtype == 15 && Mx.TryGetValue(name, out var mx))
            foreach (var (pref, host) in mx)
                answers.Add(Record(15, [(byte)(pref >> 8), (byte)pref, .. EncodeName(host)]));
        else if (qtype == 1 && A.TryGetValue(name, out var addrs))
            foreach (var a in addrs.Where(a => a.AddressFamily == AddressFamily.InterNetwork))
                answers.Add(Record(1, a.GetAddressBytes()));
        var response = new List<byte>();
        response.AddRange(query.AsSpan(0, 2).ToArray());
        response.Add(0x81); // QR, RD
        response.Add((byte)(0x80 | (AuthenticData && !Insecure.Contains(name) ? 0x20 : 0) | rcode)); // RA, AD
        response.AddRange(new byte[] { 0, 1, (byte)(answers.Count >> 8), (byte)answers.Count, 0, 0, 0, 0 });
        response.AddRange(query.AsSpan(12, pos - 12).ToArray());
        foreach (var a in answers)
            response.AddRange(a);
        return response.ToArray();
    }

    private static byte[] Record(int type, byte[] rdata)
    {
        var r = new List<byte> { 0xC0, 0x0C, (byte)(type >> 8), (byte)type, 0, 1, 0, 0, 0, 60, (byte)(rdata.Length >> 8), (byte)rdata.Length };
        r.AddRange(rdata);
        return r.ToArray();
    }

    private static byte[] EncodeName(string name)
    {
        var r = new List<byte>();
        foreach (var label in name.TrimEnd('.').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            r.Add((byte)label.Length);
            r.AddRange(System.Text.Encoding.ASCII.GetBytes(label));
        }
        r.Add(0);
        return r.ToArray();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _udp.Dispose();
        _stop.Dispose();
    }
}
