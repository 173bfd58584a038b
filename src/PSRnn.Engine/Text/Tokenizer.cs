namespace PSRnn.Engine.Text;

public enum Tokenization
{
    /// <summary>One token per character (per Unicode scalar, so a non-BMP character is one token).</summary>
    Char,
}

public static class Tokenizer
{
    public static List<string> Tokenize(string text, Tokenization tokenization = Tokenization.Char)
    {
        var tokens = new List<string>(text.Length);
        foreach (var rune in text.EnumerateRunes())
            tokens.Add(rune.ToString());
        return tokens;
    }

    /// <summary>How tokens are put back together into text.</summary>
    public static string Join(IEnumerable<string> tokens, Tokenization tokenization = Tokenization.Char) =>
        string.Concat(tokens);
}
