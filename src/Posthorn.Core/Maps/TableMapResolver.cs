using Posthorn.Core.Config;
using Posthorn.Core.Logging;
using Posthorn.Core.Matching;

namespace Posthorn.Core.Maps;

/// <summary>
/// The <see cref="IMapResolver"/> every service uses: opens <c>type:name</c> through the cached,
/// freshness-checked <see cref="Tables"/> and answers one key. A partial key (a domain, a
/// stripped address) is not put to pattern tables (regexp, pcre, cidr), as Postfix's
/// DICT_FLAG_FIXED rule says. A table that cannot answer throws <see cref="TableLookupException"/>;
/// one that cannot be opened throws <see cref="TableOpenException"/>: callers defer.
/// </summary>
public sealed class TableMapResolver : IMapResolver
{
    private readonly MainConfig _config;
    private readonly Action<string>? _warn;

    public TableMapResolver(MainConfig config, MailLog? log = null, string service = "posthorn")
    {
        _config = config;
        _warn = log is null ? null : message => log.Warning(service, message);
    }

    public string? Find(string mapSpec, string key, bool partialKey = false)
    {
        var table = Tables.Open(mapSpec, _config, _warn);
        if (partialKey && !table.FixedKeys)
            return null;
        return table.Lookup(key);
    }
}
