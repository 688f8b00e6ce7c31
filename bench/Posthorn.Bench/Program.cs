using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Posthorn.Bench.Maps.LookupBenchmarks).Assembly).Run(args);
