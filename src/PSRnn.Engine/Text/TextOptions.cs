namespace PSRnn.Engine.Text;

/// <summary>How a model turns raw lines into token indices; stored with the model and reused for every call.</summary>
/// <param name="MinFrequency">Tokens seen fewer times than this when the vocabulary is built map to &lt;unk&gt;.</param>
public sealed record TextOptions(Preprocessing Preprocessing = Preprocessing.D2l, Tokenization Tokenization = Tokenization.Char, int MinFrequency = 1)
{
    /// <summary>The text's tokens; <paramref name="maxTokens"/> &gt; 0 keeps only the first N (d2l's max_tokens).</summary>
    public List<string> Tokenize(IEnumerable<string> lines, int maxTokens = 0)
    {
        var tokens = Tokenizer.Tokenize(TextPreprocessor.Apply(lines, Preprocessing, Tokenization), Tokenization);
        if (maxTokens > 0 && tokens.Count > maxTokens) tokens.RemoveRange(maxTokens, tokens.Count - maxTokens);
        return tokens;
    }

    public string Join(IEnumerable<string> tokens) => Tokenizer.Join(tokens, Tokenization);

    public Vocabulary BuildVocabulary(IEnumerable<string> lines) => Vocabulary.Build(Tokenize(lines), MinFrequency);

    /// <summary>Token indices of the text in <paramref name="vocabulary"/>.</summary>
    public long[] Encode(IEnumerable<string> lines, Vocabulary vocabulary, int maxTokens = 0) =>
        vocabulary.Encode(Tokenize(lines, maxTokens));
}
