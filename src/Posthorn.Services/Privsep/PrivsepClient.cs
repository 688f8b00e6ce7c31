using System.Diagnostics;
using Posthorn.Services.Delivery;

namespace Posthorn.Services.Privsep;

/// <summary>
/// Performs deliveries as another user (docs/design.md). The local agent finds it in the
/// ServiceDirectory under "privsep" when the master was started by root.
/// </summary>
public interface IPrivilegedDelivery
{
    Task<DeliverAsResponse> DeliverAsync(DeliverAsRequest request, CancellationToken cancellationToken);
}

/// <summary>
/// The master's end of the privsep helper: <see cref="Start"/> (as root, before the master
/// drops privileges) starts <c>posthorn privsep</c> with pipes to it; requests are sent one at
/// a time. If the helper has died, a request is deferred (4.3.0) rather than lost.
/// </summary>
public sealed class PrivsepClient : IPrivilegedDelivery, IDisposable
{
    private readonly Process _process;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private PrivsepClient(Process process) => _process = process;

    /// <summary>
    /// Called by the master as root, before it drops privileges: starts the helper from this
    /// executable and registers it as "privsep"; on failure logs a warning (local delivery then
    /// runs as mail_owner, see docs/local.md).
    /// </summary>
    public static void Register(Master.ServiceDirectory directory, Core.Logging.MailLog log)
    {
        var exe = Environment.ProcessPath;
        try
        {
            if (exe is null || Path.GetFileNameWithoutExtension(exe) == "dotnet")
                throw new InvalidOperationException("not running from the posthorn executable");
            directory.Register<IPrivilegedDelivery>("privsep", Start(exe));
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            log.Warning("master", $"cannot start the privsep helper: {e.Message}");
        }
    }

    /// <summary>Starts the helper from this executable (<c>posthorn privsep</c>).</summary>
    public static PrivsepClient Start(string executable)
    {
        var psi = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("privsep");
        return new PrivsepClient(Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {executable} privsep"));
    }

    public async Task<DeliverAsResponse> DeliverAsync(DeliverAsRequest request, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_process.HasExited)
                return new(DeliveryOutcome.Deferred, "4.3.0", "privsep helper is not running");
            await _process.StandardInput.WriteLineAsync(DeliverAsJson.Write(request));
            await _process.StandardInput.FlushAsync(cancellationToken);
            var line = await _process.StandardOutput.ReadLineAsync(cancellationToken);
            return line is not null && DeliverAsJson.Read<DeliverAsResponse>(line) is { } r
                ? r
                : new(DeliveryOutcome.Deferred, "4.3.0", "privsep helper is not running");
        }
        catch (IOException e)
        {
            return new(DeliveryOutcome.Deferred, "4.3.0", $"privsep helper: {e.Message}");
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
        }
        _process.Dispose();
        _gate.Dispose();
    }
}
