using Posthorn.Core.Addressing;

namespace Posthorn.Core.Tests.Addressing;

/// <summary>Bounded fuzz: mutated paths, fixed seed; the parser answers, never throws.</summary>
public class MailAddressFuzzTests
{
    [Fact]
    public void Parser_never_throws_and_accepted_addresses_round_trip()
    {
        string[] seeds = ["<a@b.example>", "<\"q u\"@x.example>", "<@r.example:u@d.example>", "<>", "<u@[192.0.2.1]>",
            "<u@[IPv6:2001:db8::1]>", "<δοκιμή@παράδειγμα.δοκιμή>", "postmaster"];
        const string specials = "<>\"\\@:,.[] \t()é";
        var random = new Random(5322);
        for (int i = 0; i < 3000; i++)
        {
            var chars = seeds[random.Next(seeds.Length)].ToList();
            for (int e = random.Next(1, 4); e > 0; e--)
            {
                int pos = random.Next(chars.Count + 1);
                if (random.Next(2) == 0 && chars.Count > 0 && pos < chars.Count)
                    chars.RemoveAt(pos);
                else
                    chars.Insert(pos, specials[random.Next(specials.Length)]);
            }
            var path = new string(chars.ToArray());
            foreach (var role in new[] { MailAddressRole.Sender, MailAddressRole.Recipient })
            {
                var a = MailAddress.ParsePath(path, role, out var error);
                Assert.True(a is null ^ error is null);
                if (a is not null && !a.IsNull && a.Domain is not null)
                    Assert.Equal(a, MailAddress.ParsePath("<" + a.Quoted + ">", role, out _));
            }
        }
    }
}
