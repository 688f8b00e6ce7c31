using System.Diagnostics;

namespace Posthorn.Services.Tests.Tls;

/// <summary>
/// A self-signed certificate and key made by <c>openssl req -x509</c> in a temporary directory
/// (RSA, or EC P-256 with <c>ec: true</c>), for TLS tests; removed on dispose.
/// </summary>
internal sealed class TestCertificate : IDisposable
{
    public TestCertificate(bool ec = false, bool keyInCertFile = false)
    {
        Dir = Path.Combine(Path.GetTempPath(), "posthorn-cert-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Dir);
        CertFile = Path.Combine(Dir, "cert.pem");
        KeyFile = Path.Combine(Dir, "key.pem");
        string[] key = ec ? ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"] : ["-newkey", "rsa:2048"];
        Run(["req", "-x509", .. key, "-nodes", "-keyout", KeyFile, "-out", CertFile, "-days", "2", "-subj", "/CN=localhost"]);
        if (keyInCertFile)
        {
            File.AppendAllText(CertFile, File.ReadAllText(KeyFile));
            KeyFile = CertFile;
        }
    }

    public string Dir { get; }

    public string CertFile { get; }

    public string KeyFile { get; }

    private static void Run(string[] args)
    {
        var psi = new ProcessStartInfo("openssl") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, "openssl: " + err.Result);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, true);
        }
        catch (IOException)
        {
        }
    }
}
