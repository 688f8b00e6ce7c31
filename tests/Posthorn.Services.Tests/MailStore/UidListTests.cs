using System.Text;
using Posthorn.Services.MailStore;

namespace Posthorn.Services.Tests.MailStore;

public sealed class UidListTests
{
    [Fact]
    public void Sync_keeps_old_uids_drops_gone_keys_and_never_reuses_uids()
    {
        using var d = new TempDir();
        var path = d[UidList.FileName];
        UidList.Update(path, l => l.Sync(["a", "b", "c"]));
        var l2 = UidList.Update(path, l => l.Sync(["a", "c", "d"]));
        Assert.Equal([(1u, "a"), (3u, "c"), (4u, "d")], l2.Entries.Select(e => (e.Uid, e.Key)));
        Assert.Equal(5u, l2.UidNext);
        var l3 = UidList.Update(path, l => l.Sync(["a", "b"]));
        Assert.Equal(5u, l3.Find("b")!.Value.Uid); // b had 2 before it went away; 2 is never used again
    }

    [Fact]
    public void Appended_keys_get_the_next_uids_without_a_rewrite_and_survive_a_later_sync()
    {
        using var d = new TempDir();
        var path = d[UidList.FileName];
        Assert.Equal(0u, UidList.AppendKey(path, "x")); // no list yet: the caller refreshes
        UidList.Update(path, l => l.Sync(["a", "b"]));
        var header = File.ReadLines(path).First();
        Assert.Equal(3u, UidList.AppendKey(path, "c"));
        Assert.Equal(4u, UidList.AppendKey(path, "d"));
        Assert.Equal(3u, UidList.AppendKey(path, "c")); // already listed
        Assert.Equal(header, File.ReadLines(path).First());
        var read = UidList.Read(path);
        Assert.Equal(5u, read.UidNext);
        Assert.Equal([(1u, "a"), (2u, "b"), (3u, "c"), (4u, "d")], read.Entries.Select(e => (e.Uid, e.Key)));
        var synced = UidList.Update(path, l => l.Sync(["a", "c", "d", "e"]));
        Assert.Equal([(1u, "a"), (3u, "c"), (4u, "d"), (5u, "e")], synced.Entries.Select(e => (e.Uid, e.Key)));
        Assert.Equal(5u, UidList.AppendKey(path, "e"));
    }

    [Fact]
    public void Stored_flags_round_trip()
    {
        using var d = new TempDir();
        var path = d[UidList.FileName];
        UidList.Update(path, l => l.Sync(["k1"], _ => "S"));
        UidList.Update(path, l => l.SetFlags(1, "FS"));
        Assert.Equal("FS", UidList.Read(path).Find("k1")!.Value.Flags);
    }

    [Fact]
    public void A_damaged_list_starts_a_new_higher_uidvalidity()
    {
        using var d = new TempDir();
        var path = d[UidList.FileName];
        var far = (uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1000;
        File.WriteAllText(path, $"posthorn-uidlist 1 {far} 5\nbroken line\n");
        var l = UidList.Update(path, l => l.Sync(["x"]));
        Assert.Equal(far + 1, l.UidValidity);
        Assert.Equal(1u, l.Find("x")!.Value.Uid);
    }

    [Fact]
    public void Two_concurrent_writers_never_give_two_messages_one_uid()
    {
        using var d = new TempDir();
        const int perWriter = 25;
        var uidsSeen = new System.Collections.Concurrent.ConcurrentDictionary<string, uint>();
        void Writer(int w)
        {
            using var box = MaildirMailbox.Open(d.Path);
            for (int i = 0; i < perWriter; i++)
            {
                MaildirWriter.Deliver(d.Path, new MemoryStream(Encoding.ASCII.GetBytes($"w{w} m{i}\n")), DateTimeOffset.UtcNow, "h");
                box.Refresh();
                foreach (var m in box.Messages)
                {
                    using var r = new StreamReader(box.OpenMessage(m.Uid)!);
                    var body = r.ReadToEnd();
                    // A message keeps the UID every reader first saw for it.
                    Assert.Equal(uidsSeen.GetOrAdd(body, m.Uid), m.Uid);
                }
            }
        }
        Exception? failure = null;
        var t1 = new Thread(() => { try { Writer(1); } catch (Exception e) { failure = e; } });
        var t2 = new Thread(() => { try { Writer(2); } catch (Exception e) { failure = e; } });
        t1.Start();
        t2.Start();
        t1.Join();
        t2.Join();
        Assert.Null(failure);
        using var final = MaildirMailbox.Open(d.Path);
        Assert.Equal(2 * perWriter, final.Messages.Count);
        Assert.Equal(2 * perWriter, final.Messages.Select(m => m.Uid).Distinct().Count());
        Assert.Equal(Enumerable.Range(1, 2 * perWriter).Select(i => (uint)i), final.Messages.Select(m => m.Uid));
    }

    [Fact]
    public void A_writer_waits_for_the_lock_held_by_another()
    {
        using var d = new TempDir();
        var path = d[UidList.FileName];
        var entered = new ManualResetEventSlim();
        var release = new ManualResetEventSlim();
        var holder = new Thread(() => UidList.Update(path, l =>
        {
            entered.Set();
            release.Wait();
            return l.Sync(["first"]);
        }));
        holder.Start();
        entered.Wait();
        var opts = new MailboxLockOptions([LockMethod.Fcntl], 2, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(500));
        Assert.Throws<MailboxLockException>(() => UidList.Update(path, l => l.Sync(["first", "second"]), opts));
        release.Set();
        holder.Join();
        var l = UidList.Update(path, l => l.Sync(["first", "second"]));
        Assert.Equal(2u, l.Find("second")!.Value.Uid);
    }

    [Fact]
    public void The_uid_list_lock_excludes_other_processes()
    {
        using var d = new TempDir();
        var path = d[UidList.FileName];
        var psi = new System.Diagnostics.ProcessStartInfo("python3") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-c", "import fcntl,sys,time; f=open(sys.argv[1],'a'); fcntl.lockf(f, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(0.4)", path + ".lock" })
            psi.ArgumentList.Add(a);
        using var other = System.Diagnostics.Process.Start(psi)!;
        Assert.Equal("locked", other.StandardOutput.ReadLine());
        var quick = new MailboxLockOptions([LockMethod.Fcntl], 1, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(500));
        Assert.Throws<MailboxLockException>(() => UidList.Update(path, l => l.Sync(["a"]), quick));
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var patient = new MailboxLockOptions([LockMethod.Fcntl], 40, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(500));
        Assert.Equal(1u, UidList.Update(path, l => l.Sync(["a"]), patient).Find("a")!.Value.Uid);
        Assert.True(sw.Elapsed > TimeSpan.FromMilliseconds(100));
        other.WaitForExit();
    }
}
