using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Posthorn.Services.Privsep;

/// <summary>
/// Runs a pipe(8) command for a master started by root (docs/pipe.md): the request's argv
/// under <c>setpriv --reuid U --regid G --clear-groups</c> as master.cf's user=/group=, with
/// exactly the request's environment, in its directory=, the message bytes on standard input,
/// and the time limit enforced by killing the process tree. It returns the raw result (exit
/// status, timed out, the first 4096 characters of output) for PipeExitStatus to judge in the
/// agent, as if the agent had run the command itself. Root (uid or gid 0) is refused earlier.
/// </summary>
internal static class PrivsepPipeRunner
{
    private const int OutputLimit = 4096;

    public static async Task<DeliverAsResponse> RunAsync(DeliverAsRequest r, CancellationToken cancel)
    {
        if (r.Argv is not { Count: > 0 } argv)
            return DeliverAsResponse.Unavailable("privsep: pipe request without argv");
        var psi = new ProcessStartInfo("setpriv")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = string.IsNullOrEmpty(r.WorkingDirectory) ? "/" : r.WorkingDirectory,
        };
        psi.ArgumentList.Add("--reuid=" + r.Uid.ToString(CultureInfo.InvariantCulture));
        psi.ArgumentList.Add("--regid=" + r.Gid.ToString(CultureInfo.InvariantCulture));
        psi.ArgumentList.Add("--clear-groups");
        psi.ArgumentList.Add("--");
        foreach (var a in argv)
            psi.ArgumentList.Add(a);
        psi.Environment.Clear();
        foreach (var (k, v) in r.Environment ?? [])
            psi.Environment[k] = v;

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException("no process");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return new(Delivery.DeliveryOutcome.Deferred, "4.3.0", $"Command failed: {e.Message}: \"{argv[0]}\"");
        }
        using (process)
        {
            var output = new StringBuilder();
            var readOut = Capture(process.StandardOutput, output);
            var readErr = Capture(process.StandardError, output);
            bool timedOut = false;
            using (var cts = CancellationTokenSource.CreateLinkedTokenSource(cancel))
            {
                if (r.TimeLimitSeconds > 0)
                    cts.CancelAfter(TimeSpan.FromSeconds(r.TimeLimitSeconds));
                try
                {
                    try
                    {
                        await process.StandardInput.BaseStream.WriteAsync(r.Content, cts.Token);
                        process.StandardInput.Close();
                    }
                    catch (IOException)
                    {
                        // EPIPE: the command did not read all of its input; its exit status decides.
                    }
                    await process.WaitForExitAsync(cts.Token);
                }
                catch (OperationCanceledException)
                {
                    timedOut = !cancel.IsCancellationRequested;
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync(CancellationToken.None);
                }
            }
            await Task.WhenAll(readOut, readErr);
            string text;
            lock (output)
                text = output.ToString();
            return new(Delivery.DeliveryOutcome.Delivered, "2.0.0", "command ran", process.ExitCode, timedOut, text);
        }
    }

    private static async Task Capture(StreamReader reader, StringBuilder output)
    {
        var buffer = new char[1024];
        int n;
        while ((n = await reader.ReadAsync(buffer)) > 0)
        {
            lock (output)
            {
                if (output.Length < OutputLimit)
                    output.Append(buffer, 0, Math.Min(n, OutputLimit - output.Length));
            }
        }
    }
}
