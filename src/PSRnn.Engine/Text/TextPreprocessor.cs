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
    /// Normalises each line and joins them. d2l's char-level corpus joins preprocessed lines with no
    /// separator (so words at line ends touch); text kept as it is keeps its line breaks; words are
    /// separated by a space so that lines never glue two words together.
    /// </summary>
    public static string Apply(IEnumerable<string> lines, Preprocessing preprocessing, Tokenization tokenization = Tokenization.Char)
    {
        var separator = tokenization == Tokenization.Word ? " " : preprocessing == Preprocessing.None ? "\n" : "";
        var normalised = preprocessing == Preprocessing.D2l ? lines.Select(D2lLine) : lines;
        return string.Join(separator, normalised);
    }
}
