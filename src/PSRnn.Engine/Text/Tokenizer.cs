namespace PSRnn.Engine.Text;

public enum Tokenization
{
    /// <summary>One token per character (per Unicode scalar, so a character outside the BMP is one token).</summary>
    Char,
    /// <summary>One token per whitespace-separated word.</summary>
    Word,
}

public static class Tokenizer
{
    public static List<string> Tokenize(string text, Tokenization tokenization = Tokenization.Char)
    {
        if (tokenization == Tokenization.Word)
            return text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).ToList();
        var tokens = new List<string>(text.Length);
        foreach (var rune in text.EnumerateRunes())
            tokens.Add(rune.ToString());
        return tokens;
    }

    /// <summary>Puts tokens back together into text: words with spaces between, characters as they are.</summary>
    public static string Join(IEnumerable<string> tokens, Tokenization tokenization = Tokenization.Char) =>
        tokenization == Tokenization.Word ? string.Join(' ', tokens) : string.Concat(tokens);
}
