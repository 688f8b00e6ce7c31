using Posthorn.Protocols.Imap;

namespace Posthorn.Protocols.Tests.Imap;

public class ImapCommandParserTests
{
    internal static ImapCommand Parse(string line)
    {
        var r = ImapCommandParser.Parse(ImapReaderDriver.Single(line + "\r\n"));
        Assert.True(r.Command is not null, r.Error);
        return r.Command!;
    }

    internal static string Error(string line) =>
        ImapCommandParser.Parse(ImapReaderDriver.Single(line + "\r\n")).Error ?? "(parsed)";

    [Theory]
    [InlineData("a CAPABILITY", "CAPABILITY")]
    [InlineData("a noop", "NOOP")]
    [InlineData("a LOGOUT", "LOGOUT")]
    [InlineData("a STARTTLS", "STARTTLS")]
    [InlineData("a CHECK", "CHECK")]
    [InlineData("a CLOSE", "CLOSE")]
    [InlineData("a EXPUNGE", "EXPUNGE")]
    [InlineData("a UNSELECT", "UNSELECT")]
    [InlineData("a IDLE", "IDLE")]
    [InlineData("a NAMESPACE", "NAMESPACE")]
    public void Parses_commands_without_arguments(string line, string name) =>
        Assert.Equal(name, Assert.IsType<ImapSimpleCommand>(Parse(line)).Name);

    [Fact]
    public void Rejects_arguments_where_none_are_allowed() =>
        Assert.Equal("Unexpected arguments.", Error("a NOOP x"));

    [Fact]
    public void Unknown_command_is_bad() =>
        Assert.Equal("Unknown command FROB.", Error("a FROB"));

    [Fact]
    public void Parses_login_with_quoted_and_literal_strings()
    {
        var c = Assert.IsType<LoginCommand>(Parse("a001 LOGIN SMITH {6+}\r\nsesame"));
        Assert.Equal(("SMITH", "sesame"), (c.User, c.Password));
        var q = Assert.IsType<LoginCommand>(Parse("a LOGIN \"fred foo\" \"p\\\"w\""));
        Assert.Equal(("fred foo", "p\"w"), (q.User, q.Password));
    }

    [Fact]
    public void Parses_authenticate_with_sasl_ir()
    {
        var c = Assert.IsType<AuthenticateCommand>(Parse("a AUTHENTICATE plain AHVzZXIAcGFzcw=="));
        Assert.Equal("PLAIN", c.Mechanism);
        Assert.Equal("AHVzZXIAcGFzcw==", c.InitialResponse);
        Assert.Null(Assert.IsType<AuthenticateCommand>(Parse("a AUTHENTICATE PLAIN")).InitialResponse);
        Assert.Equal("=", Assert.IsType<AuthenticateCommand>(Parse("a AUTHENTICATE PLAIN =")).InitialResponse);
    }

    [Fact]
    public void Parses_select_examine_and_folds_inbox()
    {
        var s = Assert.IsType<SelectCommand>(Parse("A142 SELECT inbox"));
        Assert.Equal(("INBOX", false, false), (s.Mailbox, s.ReadOnly, s.CondStore));
        var e = Assert.IsType<SelectCommand>(Parse("A932 EXAMINE blurdybloop (CONDSTORE)"));
        Assert.Equal(("blurdybloop", true, true), (e.Mailbox, e.ReadOnly, e.CondStore));
    }

    [Fact]
    public void Parses_mailbox_commands()
    {
        Assert.Equal("owatagusiam/", Assert.IsType<MailboxCommand>(Parse("A003 CREATE owatagusiam/")).Mailbox);
        Assert.Equal(["\\Drafts"], Assert.IsType<MailboxCommand>(Parse("t1 CREATE MyDrafts (USE (\\Drafts))")).SpecialUse);
        Assert.Equal("DELETE", Parse("A683 DELETE blurdybloop").Name);
        Assert.Equal("SUBSCRIBE", Parse("A002 SUBSCRIBE #news.comp.mail.mime").Name);
        Assert.Equal("UNSUBSCRIBE", Parse("A002 UNSUBSCRIBE #news.comp.mail.mime").Name);
        var r = Assert.IsType<RenameCommand>(Parse("A683 RENAME blurdybloop sarasoop"));
        Assert.Equal(("blurdybloop", "sarasoop"), (r.From, r.To));
    }

    [Fact]
    public void Parses_list_and_lsub()
    {
        var l = Assert.IsType<ListCommand>(Parse("A101 LIST \"\" \"\""));
        Assert.Equal(("", ""), (l.Reference, l.Patterns[0]));
        var w = Assert.IsType<ListCommand>(Parse("A202 LIST ~/Mail/ %"));
        Assert.Equal("%", w.Patterns[0]);
        Assert.True(Assert.IsType<ListCommand>(Parse("A002 LSUB \"#news.\" \"comp.mail.*\"")).Lsub);
    }

    [Fact]
    public void Parses_list_extended_selection_and_return_options()
    {
        var l = Assert.IsType<ListCommand>(Parse("A02 LIST (SUBSCRIBED) \"\" (\"INBOX\" \"Drafts\") RETURN (SPECIAL-USE CHILDREN STATUS (MESSAGES UNSEEN))"));
        Assert.Equal(["SUBSCRIBED"], l.SelectOptions);
        Assert.Equal(["INBOX", "Drafts"], l.Patterns);
        Assert.Equal(["SPECIAL-USE", "CHILDREN", "STATUS"], l.ReturnOptions);
        Assert.Equal(["MESSAGES", "UNSEEN"], l.ReturnStatus);
    }

    [Fact]
    public void Parses_status()
    {
        var s = Assert.IsType<StatusCommand>(Parse("A042 STATUS blurdybloop (UIDNEXT MESSAGES)"));
        Assert.Equal(["UIDNEXT", "MESSAGES"], s.Items);
        Assert.Equal("Invalid status item FOO", Error("a STATUS x (FOO)"));
    }

    [Fact]
    public void Parses_append_with_flags_date_and_literal()
    {
        var a = Assert.IsType<AppendCommand>(Parse("A003 APPEND saved-messages (\\Seen) \"17-Jul-1996 02:44:25 -0700\" {5+}\r\nHello"));
        Assert.Equal("saved-messages", a.Mailbox);
        Assert.Equal(["\\Seen"], a.Flags);
        Assert.Equal(new DateTimeOffset(1996, 7, 17, 2, 44, 25, TimeSpan.FromHours(-7)), a.InternalDate);
        Assert.Equal("Hello"u8.ToArray(), a.Message);
        var plain = Assert.IsType<AppendCommand>(Parse("A APPEND INBOX {2+}\r\nHi"));
        Assert.Empty(plain.Flags);
        Assert.Null(plain.InternalDate);
        Assert.Equal("Missing message literal.", Error("A APPEND INBOX \"not a literal\""));
        Assert.Equal("Invalid date-time.", Error("A APPEND INBOX \"32-Jul-1996 02:44:25 -0700\" {1+}\r\nx"));
    }

    [Fact]
    public void Parses_uid_expunge_copy_move()
    {
        Assert.Equal("3000:3002", Assert.IsType<UidExpungeCommand>(Parse("A003 UID EXPUNGE 3000:3002")).Uids.ToString());
        var c = Assert.IsType<CopyCommand>(Parse("A003 COPY 2:4 MEETING"));
        Assert.Equal(("2:4", "MEETING", false, false), (c.Set.ToString(), c.Mailbox, c.Move, c.Uid));
        var m = Assert.IsType<CopyCommand>(Parse("a UID MOVE 42:69 foo"));
        Assert.Equal(("UID MOVE", true, true), (m.Name, m.Move, m.Uid));
        Assert.Equal("Invalid messageset", Error("a COPY 0 x"));
        Assert.Equal("Unknown UID command NOOP.", Error("a UID NOOP"));
    }

    [Fact]
    public void Parses_store_variants()
    {
        var s = Assert.IsType<StoreCommand>(Parse("A003 STORE 2:4 +FLAGS (\\Deleted)"));
        Assert.Equal((StoreMode.Add, false), (s.Mode, s.Silent));
        Assert.Equal(["\\Deleted"], s.Flags);
        var r = Assert.IsType<StoreCommand>(Parse("a UID STORE 1 -FLAGS.SILENT \\Seen $Junk"));
        Assert.Equal((StoreMode.Remove, true, true), (r.Mode, r.Silent, r.Uid));
        Assert.Equal(["\\Seen", "$Junk"], r.Flags);
        var u = Assert.IsType<StoreCommand>(Parse("a STORE 1 (UNCHANGEDSINCE 12345) FLAGS.SILENT ()"));
        Assert.Equal((StoreMode.Replace, 12345UL), (u.Mode, u.UnchangedSince));
        Assert.Equal("Invalid flag.", Error("a STORE 1 +FLAGS (\\Recent)"));
        Assert.Equal("Invalid STORE parameters.", Error("a STORE 1 +FLAGZ (\\Seen)"));
    }

    [Fact]
    public void Parses_enable_id_and_namespace()
    {
        Assert.Equal(["CONDSTORE", "UTF8=ACCEPT"], Assert.IsType<EnableCommand>(Parse("t2 ENABLE condstore UTF8=ACCEPT")).Capabilities);
        var id = Assert.IsType<IdCommand>(Parse("a023 ID (\"name\" \"sodr\" \"version\" NIL)"));
        Assert.Equal([new("name", "sodr"), new KeyValuePair<string, string?>("version", null)], id.Parameters!);
        Assert.Null(Assert.IsType<IdCommand>(Parse("a ID NIL")).Parameters);
    }
}
