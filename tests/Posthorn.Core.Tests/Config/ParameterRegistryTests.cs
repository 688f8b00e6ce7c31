using Posthorn.Core.Config;

namespace Posthorn.Core.Tests.Config;

public class ParameterRegistryTests
{
    [Theory]
    [InlineData("maximal_queue_lifetime", 'd')]
    [InlineData("smtpd_timeout", 's')]
    [InlineData("bounce_queue_lifetime", 'd')]
    [InlineData("postscreen_command_time_limit", 's')]
    [InlineData("lmtp_data_done_timeout", 's')]
    public void Time_parameters_know_their_default_unit(string name, char unit)
    {
        Assert.True(ParameterRegistry.TryGet(name, out var d));
        Assert.Equal(ParameterKind.Time, d.Kind);
        Assert.Equal(unit, d.TimeUnit);
    }

    [Fact]
    public void A_bare_number_uses_the_default_unit()
    {
        var c = MainConfig.FromText("maximal_queue_lifetime = 2\nsmtpd_timeout = 30\nminimal_backoff_time = 2m\n");
        Assert.Equal(TimeSpan.FromDays(2), c.GetTime("maximal_queue_lifetime"));
        Assert.Equal(TimeSpan.FromSeconds(30), c.GetTime("smtpd_timeout"));
        Assert.Equal(TimeSpan.FromMinutes(2), c.GetTime("minimal_backoff_time"));
    }

    [Theory]
    [InlineData("biff", ParameterKind.Boolean)]
    [InlineData("smtpd_recipient_limit", ParameterKind.Integer)]
    [InlineData("message_size_limit", ParameterKind.Size)]
    [InlineData("myorigin", ParameterKind.String)]
    public void Parameters_have_kinds(string name, ParameterKind kind)
    {
        Assert.True(ParameterRegistry.TryGet(name, out var d));
        Assert.Equal(kind, d.Kind);
    }

    [Fact]
    public void Per_transport_parameters_fall_back_to_the_general_default()
    {
        var c = MainConfig.FromText("default_destination_concurrency_limit = 7\n");
        Assert.Equal("7", c.Get("relay_destination_concurrency_limit"));
        Assert.Equal(7, c.GetInt("relay_destination_concurrency_limit"));
    }

    [Fact]
    public void Config_directory_defaults_to_the_loaded_directory()
    {
        var dir = Directory.CreateTempSubdirectory("posthorn-reg");
        try
        {
            Assert.Equal(dir.FullName, MainConfig.Load(dir.FullName).Get("config_directory"));
        }
        finally
        {
            dir.Delete(true);
        }
    }
}

public class TypedValueTests
{
    [Theory]
    [InlineData("biff = yes\n", true)]
    [InlineData("biff = NO\n", false)]
    [InlineData("", true)]
    public void Booleans_are_yes_or_no(string text, bool expected) =>
        Assert.Equal(expected, MainConfig.FromText(text).GetBool("biff"));

    [Fact]
    public void Other_boolean_values_are_errors_naming_file_and_line()
    {
        var e = Assert.Throws<ConfigException>(() => MainConfig.FromText("\nbiff = true\n").GetBool("biff"));
        Assert.Equal("/etc/posthorn/main.cf:2: bad boolean configuration: biff = true", e.Message);
    }

    [Fact]
    public void Bad_numbers_are_errors()
    {
        var e = Assert.Throws<ConfigException>(() => MainConfig.FromText("smtpd_recipient_limit = lots\n").GetInt("smtpd_recipient_limit"));
        Assert.Equal("/etc/posthorn/main.cf:1: bad numerical configuration: smtpd_recipient_limit = lots", e.Message);
    }

    [Fact]
    public void Sizes_read_as_long()
    {
        Assert.Equal(10240000L, MainConfig.FromText("").GetLong("message_size_limit"));
    }
}
