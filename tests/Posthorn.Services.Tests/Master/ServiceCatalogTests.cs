using Posthorn.Core.Config;
using Posthorn.Services.Master;

namespace Posthorn.Services.Tests.Master;

public class ServiceCatalogTests
{
    private sealed class NullService : IMailService
    {
        public Task RunAsync(ServiceContext context, CancellationToken stopping) => Task.CompletedTask;
    }

    private static readonly ServiceCatalog Catalog = new([new("smtpd", _ => new NullService())]);

    private static MasterService Entry(string line) => MasterCfFile.Parse("master.cf", line + "\n").Services[0];

    [Theory]
    [InlineData("smtpd", ServiceKind.Available)]
    [InlineData("/usr/lib/postfix/sbin/smtpd", ServiceKind.Available)]
    [InlineData("anvil", ServiceKind.BuiltIn)]
    [InlineData("scache", ServiceKind.BuiltIn)]
    [InlineData("tlsmgr", ServiceKind.BuiltIn)]
    [InlineData("proxymap", ServiceKind.BuiltIn)]
    [InlineData("postlogd", ServiceKind.BuiltIn)]
    [InlineData("cleanup", ServiceKind.BuiltIn)]
    [InlineData("trivial-rewrite", ServiceKind.BuiltIn)]
    [InlineData("bounce", ServiceKind.BuiltIn)]
    [InlineData("qmgr", ServiceKind.NotBuilt)]
    [InlineData("pop3d", ServiceKind.NotBuilt)]
    [InlineData("frobnicate", ServiceKind.Unknown)]
    public void Classifies_master_cf_commands(string command, ServiceKind kind) =>
        Assert.Equal(kind, Catalog.Classify(command));

    [Fact]
    public void Command_path_counts_by_its_last_component() =>
        Assert.Equal("smtpd", ServiceCatalog.CommandName("/usr/libexec/postfix/smtpd"));

    [Fact]
    public void Creates_a_service_for_an_available_command() =>
        Assert.NotNull(Catalog.Create(Entry("smtp inet n - y - - smtpd")));

    [Fact]
    public void Not_built_command_is_skipped_with_a_clear_reason()
    {
        var e = Entry("pickup unix n - y 60 1 pickup");
        Assert.Null(Catalog.Create(e));
        Assert.Equal("service pickup/unix: command pickup is not available in this Posthorn build; skipped", Catalog.SkipReason(e));
    }

    [Fact]
    public void Built_in_helpers_are_accepted_silently() =>
        Assert.Null(Catalog.SkipReason(Entry("anvil unix - - y - 1 anvil")));

    [Fact]
    public void Unknown_command_is_skipped_with_a_reason() =>
        Assert.Contains("unknown command frobnicate", Catalog.SkipReason(Entry("x unix - - y - 1 frobnicate")), StringComparison.Ordinal);

    [Fact]
    public void Every_postfix_3_7_master_cf_command_is_known()
    {
        foreach (var c in new[] { "smtpd", "pickup", "cleanup", "qmgr", "trivial-rewrite", "bounce", "local", "virtual", "smtp", "lmtp",
                     "pipe", "error", "discard", "showq", "flush", "anvil", "scache", "tlsmgr", "verify", "proxymap", "postlogd", "postscreen" })
            Assert.NotEqual(ServiceKind.Unknown, ServiceCatalog.Default.Classify(c));
    }
}
