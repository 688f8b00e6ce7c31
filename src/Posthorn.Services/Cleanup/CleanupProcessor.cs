using Posthorn.Core.Addressing;
using Posthorn.Core.Config;
using Posthorn.Core.Matching;

namespace Posthorn.Services.Cleanup;

/// <summary>
/// cleanup(8)'s message processing for one configuration: holds the parameters, the lookup
/// tables (through <see cref="IMapResolver"/>), trivial-rewrite's rewriting contexts and the
/// local-domain test, and starts a <see cref="CleanupMessage"/> per message. Runs as the
/// mail_owner inside the cleanup service; it opens no files itself.
/// </summary>
public sealed class CleanupProcessor
{
    public CleanupProcessor(MainConfig config, IMapResolver maps, TimeZoneInfo? zone = null)
        : this(new CleanupSettings(config), maps, zone)
    {
    }

    public CleanupProcessor(CleanupSettings settings, IMapResolver maps, TimeZoneInfo? zone = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(maps);
        Settings = settings;
        Maps = maps;
        Zone = zone ?? TimeZoneInfo.Local;
        Rewriter = new AddressRewriter(settings.Config);
        Local = new LocalDomains(settings.Config, maps);
        Lookup = new AddressMapLookup(settings, maps, Rewriter, Local);
    }

    public CleanupSettings Settings { get; }

    public IMapResolver Maps { get; }

    public TimeZoneInfo Zone { get; }

    internal AddressRewriter Rewriter { get; }

    internal LocalDomains Local { get; }

    internal AddressMapLookup Lookup { get; }

    /// <summary>Starts processing one message: the envelope is rewritten now, the content follows.</summary>
    public CleanupMessage Begin(CleanupEnvelope envelope, ICleanupContentSink sink) => new(this, envelope, sink);
}
