using System.Text;

namespace PSRnn.Engine.Text;

/// <summary>How raw lines are normalised before tokenisation.</summary>
public enum Preprocessing
{
    /// <summary>d2l's: every run of non-letters becomes one space, trimmed, lowercased.</summary>
    D2l,
    /// <summary>Text is kept exactly as given.</summary>
    None,
}

public static class TextPreprocessor
{
    /// <summary>d2l's rule for one line: [^A-Za-z]+ becomes ' ', then trim and lowercase.</summary>
    public static string D2lLine(string line)
    {
        var builder = new StringBuilder(line.Length);
        var pendingSpace = false;
        foreach (var c in line)
        {
            if (c is >= 'A' and <= 'Z' or >= 'a' and <= 'z')
            {
                if (pendingSpace && builder.Length > 0) builder.Append(' ');
                pendingSpace = false;
                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                pendingSpace = true;
            }
        }
        return builder.ToString();
    }

    /// <summary>
    /// Normalises each line and joins them with no separator, as d2l's char-level corpus does
    /// (the line break itself is dropped, so words at line ends touch).
    /// </summary>
    public static string Apply(IEnumerable<string> lines, Preprocessing preprocessing)
    {
        var builder = new StringBuilder();
        foreach (var line in lines)
            builder.Append(preprocessing == Preprocessing.D2l ? D2lLine(line) : line);
        return builder.ToString();
    }
}
