using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Posthorn.Services.Delivery;

namespace Posthorn.Services.Privsep;

/// <summary>
/// Performs deliveries as another user (docs/design.md). The local, virtual and pipe agents
/// find it in the ServiceDirectory under "privsep" when the master was started by root.
/// </summary>
public interface IPrivilegedDelivery
{
    Task<DeliverAsResponse> DeliverAsync(DeliverAsRequest request, CancellationToken cancellationToken);
}

/// <summary>
/// The master's end of the privsep helper: <see cref="Start"/> (as root, before the master
/// drops privileges) starts <c>posthorn privsep</c> with pipes to it. Requests are pipelined:
/// each is one <see cref="PrivsepFrame"/> with its own id, written whole under a lock, and a
/// reader task hands each answer to the request with that id, so many deliveries are in
/// flight at once. If the helper has died, every outstanding and later request is deferred
/// (4.3.0) rather than lost.
/// </summary>
public sealed class PrivsepClient : IPrivilegedDelivery, IDisposable
{
    private readonly Process? _process;
    private readonly Stream _toHelper;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly ConcurrentDictionary<uint, TaskCompletionSource<DeliverAsResponse>> _pending = new();
    private int _nextId;
    private volatile string? _dead;
    private volatile bool _disposed;

    /// <summary>Told once, with the reason, when the helper has gone (the master logs it as a warning).</summary>
    public Action<string>? Died { get; set; }

    /// <summary>A client over any pair of streams (tests; the master uses <see cref="Start"/>).</summary>
    public PrivsepClient(Stream toHelper, Stream fromHelper)
        : this(null, toHelper, fromHelper)
    {
    }

    private PrivsepClient(Process? process, Stream toHelper, Stream fromHelper)
    {
        _process = process;
        _toHelper = toHelper;
        _ = Task.Run(() => ReadAnswersAsync(fromHelper));
    }

    /// <summary>
    /// Called by the master as root, before it drops privileges: starts the helper from this
    /// executable and registers it as "privsep"; on failure logs a warning (local delivery then
    /// runs as mail_owner, see docs/local.md). <paramref name="maxThreads"/> bounds the helper's
    /// mailbox-writing threads (default_process_limit).
    /// </summary>
    public static void Register(Master.ServiceDirectory directory, Core.Logging.MailLog log, int maxThreads = 100)
    {
        var exe = Environment.ProcessPath;
        try
        {
            if (exe is null || Path.GetFileNameWithoutExtension(exe) == "dotnet")
                throw new InvalidOperationException("not running from the posthorn executable");
            var client = Start(exe, maxThreads);
            client.Died = why => log.Warning("master", $"{why}; local, virtual and pipe deliveries as other users are deferred until the mail system is restarted");
            directory.Register<IPrivilegedDelivery>("privsep", client);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            log.Warning("master", $"cannot start the privsep helper: {e.Message}");
        }
    }

    /// <summary>Starts the helper from this executable (<c>posthorn privsep -n THREADS</c>).</summary>
    public static PrivsepClient Start(string executable, int maxThreads = 100)
    {
        var psi = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("privsep");
        psi.ArgumentList.Add("-n");
        psi.ArgumentList.Add(maxThreads.ToString(CultureInfo.InvariantCulture));
        var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {executable} privsep");
        return new PrivsepClient(p, p.StandardInput.BaseStream, p.StandardOutput.BaseStream);
    }

    public async Task<DeliverAsResponse> DeliverAsync(DeliverAsRequest request, CancellationToken cancellationToken)
    {
        uint id = (uint)Interlocked.Increment(ref _nextId);
        var answer = new TaskCompletionSource<DeliverAsResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        // The reader marks the helper dead before it fails what is pending: one of us sees the other.
        if (_dead is { } why && _pending.TryRemove(id, out _))
            return DeliverAsResponse.Unavailable(why);
        var frame = PrivsepFrame.Encode(id, DeliverAsJson.Write(request), request.Content.Span);
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await _toHelper.WriteAsync(frame, cancellationToken);
            await _toHelper.FlushAsync(cancellationToken);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            _pending.TryRemove(id, out _);
            return DeliverAsResponse.Unavailable($"privsep helper: {e.Message}");
        }
        finally
        {
            _writeGate.Release();
        }
        try
        {
            return await answer.Task.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            _pending.TryRemove(id, out _);
            throw;
        }
    }

    private async Task ReadAnswersAsync(Stream fromHelper)
    {
        string why = "privsep helper is not running";
        try
        {
            while (await PrivsepFrame.ReadAsync(fromHelper, CancellationToken.None) is { } frame)
            {
                var response = DeliverAsJson.Read<DeliverAsResponse>(frame.Json) ?? DeliverAsResponse.Unavailable("privsep helper: empty answer");
                if (_pending.TryRemove(frame.Id, out var waiter))
                    waiter.TrySetResult(response);
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or System.Text.Json.JsonException or ObjectDisposedException)
        {
            why = $"privsep helper: {e.Message}";
        }
        _dead = why;
        if (!_disposed)
            Died?.Invoke(why);
        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var waiter))
                waiter.TrySetResult(DeliverAsResponse.Unavailable(why));
        }
    }

    public void Dispose()
    {
        _disposed = true;
        try
        {
            _toHelper.Close();
        }
        catch (IOException)
        {
        }
        if (_process is not null)
        {
            _process.WaitForExit(TimeSpan.FromSeconds(10));
            _process.Dispose();
        }
        _writeGate.Dispose();
    }
}
