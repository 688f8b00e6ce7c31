using System.Text;
using Posthorn.Commands.Common;
using Posthorn.Core.Users;

namespace Posthorn.Commands.Pw;

/// <summary>
/// <c>posthorn pw</c>, after doveadm-pw(1): makes a password hash for the user database
/// (<c>posthorn_user_database</c>, Dovecot's passwd-file format) or tests one.
/// <c>-s SCHEME</c> (default CRYPT, written as SHA512-CRYPT), <c>-p PASSWORD</c> (else the
/// password is asked twice on a terminal, or read as one line from standard input),
/// <c>-r ROUNDS</c> sets the cost (SHA-crypt rounds, bcrypt log2 cost, Argon2id passes),
/// <c>-t HASH</c> tests a hash and prints <c>HASH (verified)</c>, <c>-V</c> verifies a new
/// hash, <c>-l</c> lists the schemes.
/// </summary>
internal static class PwCommand
{
    private const string UsageText = "pw [-l] [-p plaintext] [-r rounds] [-s scheme] [-t hash] [-V]";

    public static int Run(CommandContext ctx)
    {
        GetOpt opts;
        try
        {
            opts = new GetOpt(ctx.Args, "lp:r:s:t:V");
        }
        catch (UsageException e)
        {
            return ctx.Usage(UsageText, e.Message);
        }
        if (opts.Operands.Count > 0)
            return ctx.Usage(UsageText, $"unexpected argument: {opts.Operands[0]}");
        if (opts.Has('l'))
        {
            ctx.Stdout.WriteLine(string.Join(' ', PasswordSchemes.All.Select(s => s.Name)));
            return ExitCodes.Ok;
        }
        var test = opts.Value('t');
        var schemeName = opts.Value('s') ?? (test is not null ? PasswordSchemes.Split(test).Scheme : PasswordSchemes.DefaultScheme);
        var scheme = PasswordSchemes.Find(schemeName);
        if (scheme is null)
            return ctx.Fatal($"Unknown scheme: {schemeName}");
        int? rounds = null;
        if (opts.Value('r') is string r)
        {
            if (!int.TryParse(r, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
                || scheme.RoundsRange is not (int min, int max) || n < min || n > max)
                return ctx.Fatal(scheme.RoundsRange is (int lo, int hi) ? $"Invalid number of rounds: {r} (must be {lo}..{hi})" : $"{scheme.Name} has no rounds");
            rounds = n;
        }
        var password = opts.Value('p') ?? ReadPassword(ctx);
        if (password is null)
            return ctx.Fatal("Passwords don't match!");
        if (password.Length == 0)
            return ctx.Fatal("Empty password");
        if (test is not null)
        {
            var stored = test.StartsWith('{') ? test : "{" + scheme.Name + "}" + test;
            if (!PasswordSchemes.Verify(password, stored))
                return ctx.Fatal("reverse password verification check failed: Password mismatch");
            ctx.Stdout.WriteLine($"{stored} (verified)");
            return ExitCodes.Ok;
        }
        var encoded = "{" + scheme.Name + "}" + scheme.Hash(password, rounds);
        if (opts.Has('V'))
        {
            if (!PasswordSchemes.Verify(password, encoded))
                return ctx.Fatal("reverse password verification check failed: Password mismatch");
            encoded += " (verified)";
        }
        ctx.Stdout.WriteLine(encoded);
        return ExitCodes.Ok;
    }

    /// <summary>Asks twice on a terminal without echo; otherwise reads one line. Null when the two differ.</summary>
    private static string? ReadPassword(CommandContext ctx)
    {
        bool terminal = ReferenceEquals(ctx.Stdin, Console.In) && !Console.IsInputRedirected;
        if (!terminal)
            return ctx.Stdin.ReadLine() ?? "";
        var first = Prompt("Enter new password: ");
        var second = Prompt("Retype new password: ");
        return first == second ? first : null;
    }

    private static string Prompt(string text)
    {
        Console.Error.Write(text);
        var sb = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
                break;
            if (key.Key == ConsoleKey.Backspace)
            {
                if (sb.Length > 0)
                    sb.Length--;
                continue;
            }
            sb.Append(key.KeyChar);
        }
        Console.Error.WriteLine();
        return sb.ToString();
    }
}
