using System.Diagnostics;
using System.Globalization;

namespace Posthorn.Services.Privsep;

/// <summary>
/// The root side of privilege separation (docs/design.md, <c>posthorn privsep</c>): started by
/// the master before it drops privileges, it reads one <see cref="DeliverAsRequest"/> a line
/// from standard input and, for each, runs <c>setpriv --reuid U --regid G --clear-groups --
/// posthorn deliver-as</c> with an empty environment, passing the request on and the answer
/// back as one line on standard output. It refuses uid 0 and gid 0 (local(8) delivers "as
/// root" as default_privs, which the agent resolves). It exits when its input closes (the
/// master is gone).
/// </summary>
public static class PrivsepHelper
{
    public static async Task<int> RunAsync(TextReader input, TextWriter output, string executable)
    {
        string? line;
        while ((line = await input.ReadLineAsync()) is not null)
        {
            DeliverAsResponse response;
            try
            {
                var request = DeliverAsJson.Read<DeliverAsRequest>(line) ?? throw new FormatException("empty request");
                response = request.Uid == 0 || request.Gid == 0
                    ? new(Delivery.DeliveryOutcome.Deferred, "4.3.5", "mail system configuration error")
                    : await SpawnAsync(executable, request, line);
            }
            catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or NotSupportedException)
            {
                response = new(Delivery.DeliveryOutcome.Deferred, "4.3.0", $"privsep: bad request: {e.Message}");
            }
            await output.WriteLineAsync(DeliverAsJson.Write(response));
            await output.FlushAsync();
        }
        return 0;
    }

    private static async Task<DeliverAsResponse> SpawnAsync(string executable, DeliverAsRequest request, string line)
    {
        var psi = new ProcessStartInfo("setpriv")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        psi.ArgumentList.Add("--reuid=" + request.Uid.ToString(CultureInfo.InvariantCulture));
        psi.ArgumentList.Add("--regid=" + request.Gid.ToString(CultureInfo.InvariantCulture));
        psi.ArgumentList.Add("--clear-groups");
        psi.ArgumentList.Add("--");
        psi.ArgumentList.Add(executable);
        psi.ArgumentList.Add("deliver-as");
        psi.Environment.Clear();
        try
        {
            using var p = Process.Start(psi) ?? throw new InvalidOperationException("no process");
            var stderr = p.StandardError.ReadToEndAsync();
            await p.StandardInput.WriteLineAsync(line);
            p.StandardInput.Close();
            var answer = await p.StandardOutput.ReadLineAsync();
            await p.WaitForExitAsync();
            var err = (await stderr).Trim();
            if (answer is not null && DeliverAsJson.Read<DeliverAsResponse>(answer) is { } r)
                return r;
            return new(Delivery.DeliveryOutcome.Deferred, "4.3.0", $"deliver-as failed: {(err.Length > 0 ? err : "no answer")}");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException or System.Text.Json.JsonException)
        {
            return new(Delivery.DeliveryOutcome.Deferred, "4.3.0", $"deliver-as failed: {e.Message}");
        }
    }
}
