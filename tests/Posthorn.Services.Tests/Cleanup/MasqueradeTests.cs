using static Posthorn.Services.Tests.Cleanup.CleanupTest;

namespace Posthorn.Services.Tests.Cleanup;

public class MasqueradeTests
{
    [Fact]
    public void Subdomain_is_masqueraded_in_envelope_sender_and_headers()
    {
        var p = Processor("masquerade_domains = example.com");
        var (r, sink) = Run(p, Envelope(sender: "joe@host.sub.example.com", local: true), ["From: Joe <joe@host.sub.example.com>", "To: ann@host.example.com"]);
        Assert.Equal("joe@example.com", r.Sender);
        Assert.Contains("From: Joe <joe@example.com>", sink.Headers);
        Assert.Contains("To: ann@example.com", sink.Headers);
    }

    [Fact]
    public void Envelope_recipients_are_not_masqueraded_by_default()
    {
        var r = Run(Processor("masquerade_domains = example.com"), Envelope(rcpts: ["ann@host.example.com"]), []).Result;
        Assert.Equal("ann@host.example.com", r.Recipients[0].Address);
    }

    [Fact]
    public void Masquerade_classes_can_include_envelope_recipients()
    {
        var p = Processor("masquerade_domains = example.com\nmasquerade_classes = envelope_recipient");
        var r = Run(p, Envelope(sender: "joe@host.example.com", rcpts: ["ann@host.example.com"]), []).Result;
        Assert.Equal("ann@example.com", r.Recipients[0].Address);
        Assert.Equal("joe@host.example.com", r.Sender);
    }

    [Fact]
    public void Exclamation_mark_exception_keeps_a_subdomain_when_listed_first()
    {
        var p = Processor("masquerade_domains = !sub.example.com, example.com");
        Assert.Equal("joe@host.sub.example.com", Run(p, Envelope(sender: "joe@host.sub.example.com"), []).Result.Sender);
        Assert.Equal("joe@example.com", Run(p, Envelope(sender: "joe@other.example.com"), []).Result.Sender);
    }

    [Fact]
    public void Order_matters_exception_listed_after_the_parent_has_no_effect()
    {
        var p = Processor("masquerade_domains = example.com, !sub.example.com");
        Assert.Equal("joe@example.com", Run(p, Envelope(sender: "joe@host.sub.example.com"), []).Result.Sender);
    }

    [Fact]
    public void Domain_equal_to_a_masquerade_domain_stops_the_search()
    {
        var p = Processor("masquerade_domains = sub.example.com, example.com");
        Assert.Equal("joe@sub.example.com", Run(p, Envelope(sender: "joe@sub.example.com"), []).Result.Sender);
        Assert.Equal("joe@sub.example.com", Run(p, Envelope(sender: "joe@a.sub.example.com"), []).Result.Sender);
    }

    [Fact]
    public void Masquerade_exceptions_keep_named_users()
    {
        var p = Processor("masquerade_domains = example.com\nmasquerade_exceptions = root, mailer-daemon");
        Assert.Equal("root@host.example.com", Run(p, Envelope(sender: "root@host.example.com"), []).Result.Sender);
        Assert.Equal("joe@example.com", Run(p, Envelope(sender: "joe@host.example.com"), []).Result.Sender);
    }

    [Fact]
    public void Unrelated_domain_is_left_alone()
    {
        var p = Processor("masquerade_domains = example.com");
        Assert.Equal("joe@example.org", Run(p, Envelope(sender: "joe@example.org"), []).Result.Sender);
        Assert.Equal("joe@notexample.com", Run(p, Envelope(sender: "joe@notexample.com"), []).Result.Sender);
    }

    [Fact]
    public void Postconf_example_first_listed_parent_domain_wins()
    {
        var p = Processor("masquerade_domains = foo.example.com example.com");
        Assert.Equal("joe@foo.example.com", Run(p, Envelope(sender: "joe@any.thing.foo.example.com"), []).Result.Sender);
        Assert.Equal("joe@example.com", Run(p, Envelope(sender: "joe@any.thing.else.example.com"), []).Result.Sender);
    }
}
