using System.Text;

namespace Posthorn.Commands.Postconf;

/// <summary>
/// How postconf prints a line (Postfix's pcf_print_line): words separated by single spaces,
/// whatever whitespace stood between them; with -f, a line that would reach 80 columns
/// continues on the next line indented by four spaces.
/// </summary>
internal static class PostconfOutput
{
    private const int LineLimit = 80;
    private const string Indent = "    ";

    public static string Line(string text, bool fold)
    {
        var sb = new StringBuilder(text.Length + 2);
        int lineLen = 0;
        foreach (var word in text.Split([' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (lineLen > 0)
            {
                if (!fold || lineLen + word.Length < LineLimit)
                {
                    sb.Append(' ');
                    lineLen++;
                }
                else
                {
                    sb.Append('\n').Append(Indent);
                    lineLen = Indent.Length;
                }
            }
            sb.Append(word);
            lineLen += word.Length;
        }
        return sb.Append('\n').ToString();
    }
}
