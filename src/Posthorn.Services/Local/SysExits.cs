namespace Posthorn.Services.Local;

/// <summary>
/// sysexits.h exit codes as Postfix's sys_exits.c maps them to DSN status codes and texts:
/// EX_TEMPFAIL (75) and EX_OSERR (71) are temporary, the others permanent; a status outside
/// 64..78 is 5.3.0.
/// </summary>
public static class SysExits
{
    private static readonly (string Dsn, string Text)[] Table =
    [
        ("5.3.0", "command line usage error"), // 64 EX_USAGE
        ("5.6.0", "data format error"), // 65 EX_DATAERR
        ("5.3.0", "cannot open input"), // 66 EX_NOINPUT
        ("5.1.1", "user unknown"), // 67 EX_NOUSER
        ("5.1.2", "host name unknown"), // 68 EX_NOHOST
        ("5.3.0", "service unavailable"), // 69 EX_UNAVAILABLE
        ("5.3.0", "internal software error"), // 70 EX_SOFTWARE
        ("4.3.0", "system resource problem"), // 71 EX_OSERR
        ("5.3.0", "critical OS file missing"), // 72 EX_OSFILE
        ("5.2.0", "can't create user output file"), // 73 EX_CANTCREAT
        ("5.3.0", "input/output error"), // 74 EX_IOERR
        ("4.3.0", "temporary failure"), // 75 EX_TEMPFAIL
        ("5.5.0", "remote error in protocol"), // 76 EX_PROTOCOL
        ("5.7.0", "permission denied"), // 77 EX_NOPERM
        ("5.3.5", "local configuration error"), // 78 EX_CONFIG
    ];

    public const int Base = 64;
    public const int TempFail = 75;

    public static bool IsSysExit(int code) => code >= Base && code < Base + Table.Length;

    /// <summary>The DSN code and text for an exit status (5.3.0 without text outside the table).</summary>
    public static (string Dsn, string? Text) Detail(int code) =>
        IsSysExit(code) ? Table[code - Base] : ("5.3.0", null);
}
