using Posthorn.Core.Config;

namespace Posthorn.Core.Addressing;

/// <summary>The trivial-rewrite(8) rewriting contexts.</summary>
public enum RewriteContext
{
    /// <summary>Complete addresses with $myorigin and $mydomain.</summary>
    Local,

    /// <summary>Complete addresses with $remote_header_rewrite_domain (nothing when it is empty).</summary>
    Remote,
}

/// <summary>
/// trivial-rewrite(8)'s "rewrite" request: brings an address in internal (unquoted) form to
/// standard form. Strips a source route (<c>@a,@b:user@domain</c>); for addresses without
/// <c>@</c>, swaps <c>site!user</c> to <c>user@site</c> (<c>swap_bangpath</c>), else promotes
/// <c>user%domain</c> (<c>allow_percent_hack</c>), else appends <c>@$myorigin</c>
/// (<c>append_at_myorigin</c>); appends <c>.$mydomain</c> to a dot-less domain
/// (<c>append_dot_mydomain</c>); strips one trailing dot.
/// </summary>
public sealed class AddressRewriter
{
    private readonly bool _swapBangpath;
    private readonly bool _percentHack;
    private readonly bool _appendAtMyorigin;
    private readonly bool _appendDotMydomain;
    private readonly string _myorigin;
    private readonly string _mydomain;
    private readonly string _remoteDomain;

    public AddressRewriter(MainConfig config)
    {
        _swapBangpath = config.GetBool("swap_bangpath");
        _percentHack = config.GetBool("allow_percent_hack");
        _appendAtMyorigin = config.GetBool("append_at_myorigin");
        _appendDotMydomain = config.GetBool("append_dot_mydomain");
        _myorigin = config.Get("myorigin");
        _mydomain = config.Get("mydomain");
        _remoteDomain = config.Get("remote_header_rewrite_domain");
    }

    public bool SwapBangpath => _swapBangpath;

    public bool PercentHack => _percentHack;

    public string Rewrite(string address, RewriteContext context = RewriteContext.Local)
    {
        var origin = context == RewriteContext.Local ? _myorigin : _remoteDomain;
        var domain = context == RewriteContext.Local ? _mydomain : _remoteDomain;
        return Rewrite(address, origin, domain);
    }

    private string Rewrite(string address, string origin, string domain)
    {
        if (address.Length == 0)
            return address;
        if (address == "@")
            return "";
        var a = StripSourceRoute(address);
        if (a.LastIndexOf('@') < 0)
        {
            int bang = a.IndexOf('!', StringComparison.Ordinal);
            int percent = a.LastIndexOf('%');
            if (_swapBangpath && bang >= 0)
                a = a[(bang + 1)..] + "@" + a[..bang];
            else if (_percentHack && percent >= 0)
                a = a[..percent] + "@" + a[(percent + 1)..];
            else if (_appendAtMyorigin && origin.Length > 0)
                a = a + "@" + origin;
        }
        int at = a.LastIndexOf('@');
        if (_appendDotMydomain && domain.Length > 0 && at >= 0 && at < a.Length - 1)
        {
            var d = a[(at + 1)..];
            if (!d.Contains('.', StringComparison.Ordinal) && !d.StartsWith('['))
                a = a + "." + domain;
        }
        if (a.Length > 1 && a[^1] == '.' && a[^2] != '.' && a[^2] != '@')
            a = a[..^1];
        return a;
    }

    /// <summary>"@a,@b:user@domain" becomes "user@domain".</summary>
    public static string StripSourceRoute(string address)
    {
        if (address.Length > 0 && address[0] == '@')
        {
            int colon = address.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && colon < address.Length - 1)
                return address[(colon + 1)..];
        }
        return address;
    }
}
