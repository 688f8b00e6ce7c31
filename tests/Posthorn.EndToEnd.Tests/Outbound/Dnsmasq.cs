using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Posthorn.EndToEnd.Tests.Outbound;

/// <summary>
/// Debian's dnsmasq as the outbound tests' name server: run in the foreground on a free UDP port
/// of 127.0.0.1, answering only from its command line (--no-resolv --no-hosts), authoritative for
/// the test zones (--local=/test/), so a name it does not know is NXDOMAIN at once. Main.cf points
/// at it with <c>posthorn_dns_servers = 127.0.0.1:Port</c>.
/// </summary>
internal sealed class Dnsmasq : IDisposable
{
    private readonly Process _process;

    /// <param name="records">dnsmasq options such as <c>--mx-host=example.test,mx1.example.test,10</c>
    /// and <c>--host-record=mx1.example.test,127.0.6.2</c>.</param>
    public Dnsmasq(IEnumerable<string> records)
    {
        var list = records.ToList();
        // dnsmasq binds TCP as well as UDP on its port: a port free for UDP may be taken for TCP
        // (exit status 2), so a few ports are tried.
        for (int attempt = 0; ; attempt++)
        {
            Port = FreeUdpPort();
            _process = Start(Port, list);
            var sw = Stopwatch.StartNew();
            while (!PortTaken(Port) && sw.ElapsedMilliseconds < 5000 && !_process.HasExited)
                Thread.Sleep(20);
            if (!_process.HasExited)
                return;
            var status = _process.ExitCode;
            _process.Dispose();
            if (attempt == 4)
                throw new InvalidOperationException($"dnsmasq exited with status {status}");
        }
    }

    private static Process Start(int port, List<string> records)
    {
        var psi = new ProcessStartInfo("/usr/sbin/dnsmasq")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] fixedArgs = ["-k", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--no-poll", $"--port={port}",
            "--listen-address=127.0.0.1", "--bind-interfaces", "--pid-file=", "--local=/test/", "--log-facility=-"];
        foreach (var a in fixedArgs)
            psi.ArgumentList.Add(a);
        if (Environment.UserName == "root")
            psi.ArgumentList.Add("--user=nobody");
        foreach (var r in records)
            psi.ArgumentList.Add(r);
        var p = Process.Start(psi)!;
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    public int Port { get; }

    /// <summary>The main.cf line that makes Posthorn ask this server.</summary>
    public string MainCf => $"posthorn_dns_servers = 127.0.0.1:{Port}\n";

    private static int FreeUdpPort()
    {
        using var u = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)u.Client.LocalEndPoint!).Port;
    }

    private static bool PortTaken(int port)
    {
        try
        {
            using var u = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}
