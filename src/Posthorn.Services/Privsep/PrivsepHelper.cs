using System.Text.Json;

namespace Posthorn.Services.Privsep;

/// <summary>
/// The root side of privilege separation (docs/design.md, <c>posthorn privsep</c>): started by
/// the master before it drops privileges, it reads <see cref="PrivsepFrame"/>s carrying
/// <see cref="DeliverAsRequest"/>s from standard input and answers each, by id and in any
/// order, on standard output, so many deliveries are in flight at once. Mbox and Maildir
/// requests run on a <see cref="CredentialWorkerPool"/> thread switched to the user's
/// filesystem uid/gid (as local(8) and virtual(8) switch their effective uid); commands and
/// pipe(8) commands run in a child process under setpriv as the user. Uid 0 and gid 0 are
/// refused (local(8) delivers "as root" as default_privs, which the agent resolves; pipe(8)
/// refuses root). It exits when its input closes (the master is gone), after answering
/// what it has begun.
/// </summary>
public static class PrivsepHelper
{
    public static int Run(Stream input, Stream output, int maxThreads)
    {
        var writeGate = new object();
        void Respond(uint id, DeliverAsResponse response)
        {
            var frame = PrivsepFrame.Encode(id, DeliverAsJson.Write(response), []);
            lock (writeGate)
            {
                try
                {
                    output.Write(frame);
                    output.Flush();
                }
                catch (IOException)
                {
                    // The master is gone; its deliveries are deferred on its side.
                }
            }
        }

        var commands = new List<Task>();
        using (var pool = new CredentialWorkerPool(maxThreads))
        {
            while (true)
            {
                PrivsepFrame? frame;
                try
                {
                    frame = PrivsepFrame.Read(input);
                }
                catch (Exception e) when (e is IOException or InvalidDataException)
                {
                    Console.Error.WriteLine($"privsep: fatal: {e.Message}");
                    break;
                }
                if (frame is null)
                    break;
                Dispatch(frame, pool, commands, Respond);
            }
        }
        Task.WaitAll([.. commands]);
        return 0;
    }

    private static void Dispatch(PrivsepFrame frame, CredentialWorkerPool pool, List<Task> commands, Action<uint, DeliverAsResponse> respond)
    {
        uint id = frame.Id;
        DeliverAsRequest request;
        try
        {
            request = (DeliverAsJson.Read<DeliverAsRequest>(frame.Json) ?? throw new JsonException("empty request")) with { Content = frame.Body };
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or ArgumentException)
        {
            respond(id, DeliverAsResponse.Unavailable($"privsep: bad request: {e.Message}"));
            return;
        }
        if (request.Uid == 0 || request.Gid == 0)
        {
            respond(id, new(Delivery.DeliveryOutcome.Deferred, "4.3.5", "mail system configuration error"));
            return;
        }
        switch (request.Kind)
        {
            case DeliverAsKind.Mbox or DeliverAsKind.Maildir:
                pool.Post(saved => respond(id, DeliverFileAs(request, saved)));
                break;
            case DeliverAsKind.Command or DeliverAsKind.Pipe:
                commands.RemoveAll(t => t.IsCompleted);
                commands.Add(Task.Run(async () =>
                {
                    var r = request.Kind == DeliverAsKind.Pipe
                        ? await PrivsepPipeRunner.RunAsync(request, CancellationToken.None)
                        : await DeliverAsExecutor.RunCommandAsync(request, CancellationToken.None);
                    respond(id, r);
                }));
                break;
            default:
                respond(id, DeliverAsResponse.Unavailable($"privsep: bad request kind {request.Kind}"));
                break;
        }
    }

    /// <summary>Runs on a pool thread: switch to the user, write, switch back (verified).</summary>
    internal static DeliverAsResponse DeliverFileAs(DeliverAsRequest request, ThreadCredentials.Saved saved)
    {
        try
        {
            return ThreadCredentials.Run(request.Uid, request.Gid, saved, () => DeliverAsExecutor.DeliverFile(request),
                DeliverAsResponse.Unavailable($"privsep: cannot switch to uid {request.Uid} gid {request.Gid}"));
        }
#pragma warning disable CA1031 // A pool thread must answer every request; the credentials were already restored.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return DeliverAsResponse.Unavailable($"privsep: {e.GetType().Name}: {e.Message}");
        }
    }
}
