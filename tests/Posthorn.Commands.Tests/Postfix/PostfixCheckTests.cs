using Posthorn.Commands.Postfix;

namespace Posthorn.Commands.Tests.Postfix;

public sealed class PostfixCheckTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("posthorn-check-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private List<CheckProblem> Check(string master, string main = "")
    {
        File.WriteAllText(Path.Combine(_dir, "main.cf"), $"queue_directory = {_dir}/queue\n" + main);
        File.WriteAllText(Path.Combine(_dir, "master.cf"), master);
        return PostfixCheck.Run(_dir, verbose: false);
    }

    [Fact]
    public void Malformed_master_cf_line_is_fatal_with_file_and_line()
    {
        var p = Assert.Single(Check("smtp inet n - y - - smtpd\nbroken line\n"));
        Assert.True(p.Fatal);
        Assert.StartsWith($"{_dir}/master.cf:2: ", p.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_command_is_a_warning_with_file_and_line()
    {
        var p = Assert.Single(Check("# services\nfoo unix - - y - 1 frobnicate\n"));
        Assert.False(p.Fatal);
        Assert.Equal($"{_dir}/master.cf:2: service foo/unix: unknown command: frobnicate", p.Text);
    }

    [Fact]
    public void Bad_inet_service_name_is_fatal()
    {
        var p = Assert.Single(Check("nosuchport inet n - y - - smtpd\n"));
        Assert.True(p.Fatal);
        Assert.Equal($"{_dir}/master.cf:1: service nosuchport/inet: unknown service: nosuchport/tcp", p.Text);
    }

    [Fact]
    public void Bad_inet_protocols_is_fatal() =>
        Assert.Contains(Check("", "inet_protocols = ipx\n"), p => p.Fatal && p.Text.Contains("inet_protocols", StringComparison.Ordinal));

    [Fact]
    public void Missing_master_cf_is_fatal()
    {
        File.WriteAllText(Path.Combine(_dir, "main.cf"), $"queue_directory = {_dir}/queue\n");
        Assert.Contains(PostfixCheck.Run(_dir, false), p => p.Fatal && p.Text.Contains("master.cf", StringComparison.Ordinal));
    }

    [Fact]
    public void Missing_queue_directories_are_created_as_postfix_check_does()
    {
        Assert.Empty(Check("smtp inet n - y - - smtpd\n"));
        Assert.True(Directory.Exists(Path.Combine(_dir, "queue", "deferred")));
        Assert.True(Directory.Exists(Path.Combine(_dir, "queue", "pid")));
    }

    [Fact]
    public void Relative_queue_directory_is_fatal() =>
        Assert.Contains(Check("", "queue_directory = spool\n"), p => p.Fatal && p.Text.Contains("queue_directory", StringComparison.Ordinal));

    [Fact]
    public void Unknown_table_type_is_fatal_with_file_and_line()
    {
        var problems = Check("", "virtual_alias_maps = frob:/etc/posthorn/virtual\n");
        var p = Assert.Single(problems, x => x.Text.Contains("frob", StringComparison.Ordinal));
        Assert.True(p.Fatal);
        Assert.Equal($"{_dir}/main.cf:2: parameter virtual_alias_maps: unsupported dictionary type: frob", p.Text);
    }

    [Fact]
    public void Unbuilt_indexed_table_is_a_warning()
    {
        var problems = Check("", $"transport_maps = hash:{_dir}/transport\n");
        var p = Assert.Single(problems, x => x.Text.Contains("transport", StringComparison.Ordinal));
        Assert.False(p.Fatal);
        Assert.Contains("run postmap", p.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Policy_service_arguments_are_not_taken_for_tables()
    {
        var problems = Check("", "smtpd_recipient_restrictions = check_policy_service inet:127.0.0.1:10023, check_recipient_access frob:/x\n");
        var p = Assert.Single(problems, x => x.Text.Contains("dictionary", StringComparison.Ordinal));
        Assert.Contains("unsupported dictionary type: frob", p.Text, StringComparison.Ordinal);
    }
}
