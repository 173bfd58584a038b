namespace PSRnn.Engine.Text;

/// <summary>
/// Token &lt;-&gt; index map: "&lt;unk&gt;" at index 0, then tokens by descending frequency, ties broken by
/// ordinal order of the token so that the same text always gives the same indices.
/// </summary>
public sealed class Vocabulary
{
    public const string Unknown = "<unk>";
    public const int UnknownIndex = 0;

    private readonly Dictionary<string, int> indexOf;

    public IReadOnlyList<string> Tokens { get; }
    public int Count => Tokens.Count;

    public Vocabulary(IEnumerable<string> tokensInIndexOrder)
    {
        var tokens = tokensInIndexOrder.ToList();
        if (tokens.Count == 0 || tokens[0] != Unknown)
            throw new ArgumentException($"A vocabulary starts with '{Unknown}' at index 0.", nameof(tokensInIndexOrder));
        indexOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < tokens.Count; i++)
        {
            if (!indexOf.TryAdd(tokens[i], i))
                throw new ArgumentException($"The token '{tokens[i]}' appears twice in the vocabulary.", nameof(tokensInIndexOrder));
        }
        Tokens = tokens.AsReadOnly();
    }

    /// <summary>Builds the vocabulary of a token sequence; tokens rarer than <paramref name="minFrequency"/> are left out.</summary>
    public static Vocabulary Build(IEnumerable<string> tokens, int minFrequency = 1)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var token in tokens)
            counts[token] = counts.GetValueOrDefault(token) + 1;
        var ordered = counts
            .Where(pair => pair.Value >= minFrequency && pair.Key != Unknown)
            .OrderByDescending(pair => pair.Value)
            .ThenBy(pair => pair.Key, StringComparer.Ordinal)
            .Select(pair => pair.Key);
        return new Vocabulary(ordered.Prepend(Unknown));
    }

    /// <summary>A vocabulary from a list of tokens in index order; "&lt;unk&gt;" goes first wherever the list has it.</summary>
    public static Vocabulary FromList(IEnumerable<string> tokens)
    {
        var listed = tokens.Where(t => t != Unknown).ToList();
        var twice = listed.GroupBy(t => t, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
            throw new InvalidVocabularyException($"-Vocabulary lists the token '{twice.Key}' twice. Give each token once.");
        if (listed.Count == 0)
            throw new InvalidVocabularyException("-Vocabulary lists no token besides <unk>. Give the tokens the model should know.");
        return new Vocabulary(listed.Prepend(Unknown));
    }

    public int IndexOf(string token) => indexOf.GetValueOrDefault(token, UnknownIndex);

    public bool Contains(string token) => indexOf.ContainsKey(token);

    public long[] Encode(IReadOnlyList<string> tokens)
    {
        var indices = new long[tokens.Count];
        for (var i = 0; i < indices.Length; i++) indices[i] = IndexOf(tokens[i]);
        return indices;
    }

    public string this[long index] => Tokens[checked((int)index)];
}

public sealed class InvalidVocabularyException(string message) : ArgumentException(message);
