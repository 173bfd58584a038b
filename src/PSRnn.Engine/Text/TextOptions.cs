namespace PSRnn.Engine.Text;

/// <summary>How a model turns raw lines into token indices; stored with the model and reused for every call.</summary>
/// <param name="MinFrequency">Tokens seen fewer times than this when the vocabulary is built map to &lt;unk&gt;.</param>
/// <param name="LineEnd">
/// A token appended after every line, blank lines too (pytorch/examples' data.py: the line's words, then
/// &lt;eos&gt;); null: lines are joined as <see cref="TextPreprocessor.Apply"/> says.
/// </param>
public sealed record TextOptions(Preprocessing Preprocessing = Preprocessing.D2l, Tokenization Tokenization = Tokenization.Char, int MinFrequency = 1,
                                 string? LineEnd = null)
{
    public void Validate()
    {
        if (MinFrequency <= 0)
            throw new ArgumentOutOfRangeException(nameof(MinFrequency), MinFrequency, "give a whole number of 1 or more.");
        if (LineEnd is not null && (LineEnd.Length == 0 || LineEnd.Any(char.IsWhiteSpace) || LineEnd == Vocabulary.Unknown))
            throw new ArgumentOutOfRangeException(nameof(LineEnd), $"'{LineEnd}'",
                $"give a token without spaces that is not {Vocabulary.Unknown}, such as <eos>.");
    }

    /// <summary>
    /// The text's tokens; <paramref name="maxTokens"/> &gt; 0 keeps only the first N (d2l's max_tokens).
    /// <paramref name="endLastLine"/> false reads the text as a prompt to continue: no line end after its last line.
    /// </summary>
    public List<string> Tokenize(IEnumerable<string> lines, int maxTokens = 0, bool endLastLine = true)
    {
        var tokens = LineEnd is null ? Tokenizer.Tokenize(TextPreprocessor.Apply(lines, Preprocessing, Tokenization), Tokenization) : TokenizeLines(lines, maxTokens);
        if (!endLastLine && LineEnd is not null && tokens.Count > 0 && tokens[^1] == LineEnd) tokens.RemoveAt(tokens.Count - 1);
        if (maxTokens > 0 && tokens.Count > maxTokens) tokens.RemoveRange(maxTokens, tokens.Count - maxTokens);
        return tokens;
    }

    // Line by line, so a long corpus is never one string, and -MaxTokens stops the reading early.
    private List<string> TokenizeLines(IEnumerable<string> lines, int maxTokens)
    {
        var tokens = new List<string>();
        foreach (var line in lines)
        {
            tokens.AddRange(Tokenizer.Tokenize(Preprocessing == Preprocessing.D2l ? TextPreprocessor.D2lLine(line) : line, Tokenization));
            tokens.Add(LineEnd!);
            if (maxTokens > 0 && tokens.Count >= maxTokens) break;
        }
        return tokens;
    }

    public string Join(IEnumerable<string> tokens) => Tokenizer.Join(tokens, Tokenization);

    /// <summary>A vocabulary from a token list (-Vocabulary), with the line-end token added when the list lacks it, or every line end would read as &lt;unk&gt;.</summary>
    public Vocabulary VocabularyFromList(IReadOnlyCollection<string> tokens)
    {
        Validate();
        return Vocabulary.FromList(LineEnd is null || tokens.Contains(LineEnd) ? tokens : tokens.Append(LineEnd));
    }

    /// <summary>
    /// The vocabulary of a text under these options; refuses text with no tokens left after
    /// preprocessing, and a MinFrequency no token reaches.
    /// </summary>
    public Vocabulary BuildVocabulary(IEnumerable<string> lines) => BuildVocabulary(lines, out _);

    /// <inheritdoc cref="BuildVocabulary(IEnumerable{string})"/>
    /// <param name="tokenCount">How many tokens the text has under these options.</param>
    public Vocabulary BuildVocabulary(IEnumerable<string> lines, out int tokenCount)
    {
        Validate();
        var tokens = Tokenize(lines);
        tokenCount = tokens.Count;
        if (tokens.Count == 0)
            throw new TextRejectedException(TextProblem.EmptyText,
                "There is no text to build a vocabulary from (after preprocessing, nothing is left). Pipe the training text in, " +
                "e.g. Get-RnnCorpus -Name TimeMachine | New-RnnModel, or give -Vocabulary.");
        var vocabulary = Vocabulary.Build(tokens, MinFrequency);
        if (vocabulary.Count < 2 && MinFrequency == 1)
            throw new TextRejectedException(TextProblem.EmptyText,
                $"The text's only token is {Vocabulary.Unknown}, which every vocabulary has already. Give text with other tokens in it, or give -Vocabulary.");
        if (vocabulary.Count < 2)
            throw new ArgumentOutOfRangeException(nameof(MinFrequency), MinFrequency,
                "no token occurs that often in the text, so the vocabulary would hold only <unk>. Lower -MinFrequency or give more text.");
        return vocabulary;
    }
}
