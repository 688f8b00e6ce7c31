using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Jobs;
using Posthorn.Core.Config;
using Posthorn.Core.Maps;

namespace Posthorn.Bench.Maps;

/// <summary>
/// Lookups per second from the table types services use most: the indexed hash file
/// (hash:, btree:, lmdb:), cdb:, texthash: and a regexp: table, on a table of 1,000,000
/// entries. Each operation is 1,000 lookups of keys that exist (half upper-case, to
/// include case folding) so per-call overhead is visible as lookups per second.
/// </summary>
[SimpleJob(RuntimeMoniker.Net10_0, warmupCount: 3, iterationCount: 8)]
[MemoryDiagnoser]
public class LookupBenchmarks
{
    private const int Entries = 1_000_000;
    private const int Batch = 1000;
    private string _dir = "";
    private ILookupTable _hash = null!;
    private ILookupTable _cached = null!;
    private ILookupTable _cdb = null!;
    private ILookupTable _texthash = null!;
    private ILookupTable _regexp = null!;
    private string[] _keys = [];

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "posthorn-bench-" + Environment.ProcessId);
        Directory.CreateDirectory(_dir);
        var src = Path.Combine(_dir, "virtual");
        var entries = Enumerable.Range(0, Entries).Select(i => new KeyValuePair<string, string>($"user{i}@example{i % 100}.com", $"mailbox{i}")).ToList();
        File.WriteAllLines(src, entries.Select(e => e.Key + " " + e.Value));
        TableBuilder.Write("hash", src, entries);
        TableBuilder.Write("cdb", src, entries);
        File.WriteAllText(src + ".re", "/^user(1[0-9]*)@example1\\.com$/ one$1\n/^admin@/ admin\n/^user([0-9]+)@(.*)$/ $1 at $2\n");
        var config = MainConfig.FromText("", _dir);
        var options = TableOptions.Quiet(config);
        _hash = TableTypes.OpenUncached("hash:" + src, options);
        _cached = Tables.Open("hash:" + src, config);
        _cdb = TableTypes.OpenUncached("cdb:" + src, options);
        _texthash = TableTypes.OpenUncached("texthash:" + src, options);
        _regexp = TableTypes.OpenUncached("regexp:" + src + ".re", options);
        var rnd = new Random(42);
        _keys = Enumerable.Range(0, Batch).Select(_ => rnd.Next(Entries)).Select(i => i % 2 == 0 ? $"user{i}@example{i % 100}.com" : $"USER{i}@Example{i % 100}.com").ToArray();
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_dir, true);

    private static int Run(ILookupTable t, string[] keys)
    {
        int found = 0;
        foreach (var k in keys)
        {
            if (t.Lookup(k) is not null)
                found++;
        }
        return found;
    }

    [Benchmark(OperationsPerInvoke = Batch, Baseline = true)]
    public int Hash() => Run(_hash, _keys);

    [Benchmark(OperationsPerInvoke = Batch)]
    public int HashThroughTablesCache() => Run(_cached, _keys);

    [Benchmark(OperationsPerInvoke = Batch)]
    public int Cdb() => Run(_cdb, _keys);

    [Benchmark(OperationsPerInvoke = Batch)]
    public int TextHash() => Run(_texthash, _keys);

    [Benchmark(OperationsPerInvoke = Batch)]
    public int Regexp() => Run(_regexp, _keys);
}
