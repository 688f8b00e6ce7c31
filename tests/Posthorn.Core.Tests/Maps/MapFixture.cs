using Posthorn.Core.Config;
using Posthorn.Core.Maps;

namespace Posthorn.Core.Tests.Maps;

/// <summary>A temporary directory for table files, with options that collect warnings.</summary>
internal sealed class MapFixture : IDisposable
{
    public MapFixture(string mainCf = "")
    {
        Dir = Path.Combine(Path.GetTempPath(), "posthorn-maps-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Dir);
        Config = MainConfig.FromText(mainCf, Dir);
        Options = new TableOptions(Config, Warnings.Add);
    }

    public string Dir { get; }

    public MainConfig Config { get; }

    public List<string> Warnings { get; } = [];

    public TableOptions Options { get; }

    public string Write(string name, string text)
    {
        var path = Path.Combine(Dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    public ILookupTable Open(string typeAndName) => TableTypes.OpenUncached(typeAndName, Options);

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
