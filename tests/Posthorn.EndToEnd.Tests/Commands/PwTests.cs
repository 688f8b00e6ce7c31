using System.Diagnostics;
using Posthorn.EndToEnd.Tests.Support;

namespace Posthorn.EndToEnd.Tests.Commands;

public sealed class PwTests
{
    /// <summary>crypt(3) of the C library (libxcrypt) through perl, an independent implementation.</summary>
    private static string LibcCrypt(string password, string setting)
    {
        var psi = new ProcessStartInfo("perl") { RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add("-e");
        psi.ArgumentList.Add("print crypt($ARGV[0], $ARGV[1])");
        psi.ArgumentList.Add(password);
        psi.ArgumentList.Add(setting);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output;
    }

    [Theory]
    [InlineData("SHA256-CRYPT")]
    [InlineData("SHA512-CRYPT")]
    [InlineData("BLF-CRYPT")]
    public void Hashes_made_by_posthorn_pw_verify_with_the_C_library(string scheme)
    {
        var r = PosthornBin.Run("posthorn", ["pw", "-s", scheme, "-p", "correct horse"]);
        Assert.Equal(0, r.ExitCode);
        var hash = r.Stdout.Trim()[(scheme.Length + 2)..];
        Assert.Equal(hash, LibcCrypt("correct horse", hash));
    }

    [Fact]
    public void Reads_the_password_from_standard_input_and_tests_it()
    {
        var made = PosthornBin.Run("posthorn", ["pw", "-s", "ARGON2ID"], stdin: "s3cret\n");
        Assert.Equal(0, made.ExitCode);
        var hash = made.Stdout.Trim();
        var ok = PosthornBin.Run("posthorn", ["pw", "-t", hash, "-p", "s3cret"]);
        Assert.Equal(0, ok.ExitCode);
        Assert.Equal(hash + " (verified)\n", ok.Stdout);
        var bad = PosthornBin.Run("posthorn", ["pw", "-t", hash, "-p", "wrong"]);
        Assert.Equal(1, bad.ExitCode);
        Assert.Single(bad.Stderr.Trim().Split('\n'));
    }
}
