namespace PSRnn.Engine.Text;

/// <summary>
/// A downloadable text corpus: where it lives and the SHA-1 that a local copy must match.
/// </summary>
/// <param name="Name">Short name users type (matched case-insensitively).</param>
/// <param name="FileName">File name used in the data and cache directories.</param>
/// <param name="Url">Where to download it from when no verified local copy exists.</param>
/// <param name="Sha1">Expected SHA-1 of the file contents, hex.</param>
public sealed record CorpusSource(string Name, string FileName, Uri Url, string Sha1);

/// <summary>The corpora the module knows how to fetch.</summary>
public static class CorpusCatalog
{
    /// <summary>H. G. Wells, "The Time Machine", as distributed with Dive into Deep Learning.</summary>
    public static CorpusSource TimeMachine { get; } = new(
        "TimeMachine",
        "timemachine.txt",
        new Uri("http://d2l-data.s3-accelerate.amazonaws.com/timemachine.txt"),
        "090b5e7e70c295757f55df93cb0a180b9691891a");

    /// <summary>
    /// Shakespeare (public domain), about 40,000 lines of plays as collected for Andrej Karpathy's
    /// char-rnn: 1,115,394 bytes.
    /// </summary>
    public static CorpusSource TinyShakespeare { get; } = new(
        "TinyShakespeare",
        "tinyshakespeare.txt",
        new Uri("https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"),
        "04486597058d11dcc2c556b1d0433891eb639d2e");

    /// <summary>Every known corpus.</summary>
    public static IReadOnlyList<CorpusSource> All { get; } = [TimeMachine, TinyShakespeare];

    /// <summary>Looks a corpus up by name, ignoring case; null when unknown.</summary>
    public static CorpusSource? Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var trimmed = name.Trim();
        return All.FirstOrDefault(s => string.Equals(s.Name, trimmed, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Like <see cref="Find"/>, but an unknown name is a <see cref="CorpusErrorKind.NotFound"/> error listing the known names.</summary>
    public static CorpusSource Get(string name) =>
        Find(name) ?? throw new CorpusException(
            CorpusErrorKind.NotFound,
            $"Unknown corpus '{name}'. Known corpora: {string.Join(", ", All.Select(s => s.Name))}.");
}

/// <summary>Why a corpus could not be made available.</summary>
public enum CorpusErrorKind
{
    /// <summary>A local or downloaded file does not have the expected SHA-1.</summary>
    ChecksumMismatch,

    /// <summary>The download could not be completed (network error, HTTP error, timeout).</summary>
    DownloadFailed,

    /// <summary>The requested corpus or file does not exist.</summary>
    NotFound,
}

/// <summary>A corpus could not be resolved; <see cref="Kind"/> says why and the message says what to do.</summary>
public sealed class CorpusException : Exception
{
    public CorpusException(CorpusErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    public CorpusErrorKind Kind { get; }

    /// <summary>For checksum errors: the file that failed verification.</summary>
    public string? FilePath { get; init; }

    /// <summary>For download errors: the URL that was tried.</summary>
    public Uri? Url { get; init; }
}
