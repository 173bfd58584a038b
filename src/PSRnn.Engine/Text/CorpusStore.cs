using System.Net.Sockets;
using System.Security.Cryptography;
using PSRnn.Engine.IO;

namespace PSRnn.Engine.Text;

/// <summary>
/// Finds a verified local copy of a corpus: a user-supplied data directory first,
/// then the per-user cache, and only then the network.
/// </summary>
public sealed class CorpusStore
{
    private static readonly TimeSpan DefaultDownloadTimeout = TimeSpan.FromSeconds(60);
    private const int BufferSize = 81920;

    private readonly HttpMessageHandler? _handler;

    /// <param name="cacheDirectory">Where downloads are kept; created on first download.</param>
    /// <param name="dataDirectory">Optional folder the user filled by hand; consulted first and never written to.</param>
    /// <param name="handler">Optional HTTP handler (proxies, tests); not disposed by the store.</param>
    /// <param name="timeout">Limit for one whole download, connect to last byte; default 60 s.</param>
    public CorpusStore(string cacheDirectory, string? dataDirectory = null, HttpMessageHandler? handler = null, TimeSpan? timeout = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(cacheDirectory);
        var limit = timeout ?? DefaultDownloadTimeout;
        if (limit <= TimeSpan.Zero && limit != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), limit, "The download timeout must be positive.");
        }

        CacheDirectory = Path.GetFullPath(cacheDirectory);
        DataDirectory = string.IsNullOrWhiteSpace(dataDirectory) ? null : Path.GetFullPath(dataDirectory);
        DownloadTimeout = limit;
        _handler = handler;
    }

    /// <summary>Reports each decision Resolve makes (which copy it used, what it downloaded).</summary>
    public event Action<string>? Log;

    public string CacheDirectory { get; }

    public string? DataDirectory { get; }

    public TimeSpan DownloadTimeout { get; }

    /// <summary>
    /// Per-user cache: %LOCALAPPDATA%\PSRnn\data on Windows, otherwise $XDG_CACHE_HOME/psrnn or ~/.cache/psrnn.
    /// Read on every access so a changed environment is honoured.
    /// </summary>
    public static string DefaultCacheDirectory
    {
        get
        {
            if (OperatingSystem.IsWindows())
            {
                var local = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
                return Path.Combine(string.IsNullOrEmpty(local) ? Path.GetTempPath() : local, "PSRnn", "data");
            }

            // The XDG spec says relative values are invalid and must be ignored.
            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            if (!string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg))
            {
                return Path.Combine(xdg, "psrnn");
            }

            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            return string.IsNullOrEmpty(home)
                ? Path.Combine(Path.GetTempPath(), "psrnn")
                : Path.Combine(home, ".cache", "psrnn");
        }
    }

    /// <summary>Lowercase hex SHA-1 of a regular file's bytes (a FIFO or device is refused, never read).</summary>
    public static string ComputeSha1(string path)
    {
        using var stream = RegularFile.OpenRead(path, FileRole.Text);
        return ToHex(SHA1.HashData(stream));
    }

    /// <summary>Returns the path of a local file whose SHA-1 matches <paramref name="source"/>, downloading it if needed.</summary>
    /// <param name="urlOverride">Download from here instead of <see cref="CorpusSource.Url"/> (mirrors, tests).</param>
    public string Resolve(CorpusSource source, Uri? urlOverride = null, CancellationToken ct = default) =>
        // Every await below uses ConfigureAwait(false), so blocking here cannot deadlock on a captured context.
        ResolveAsync(source, urlOverride, ct).GetAwaiter().GetResult();

    /// <inheritdoc cref="Resolve"/>
    public async Task<string> ResolveAsync(CorpusSource source, Uri? urlOverride = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var fileName = CheckFileName(source.FileName);
        var expected = CheckSha1(source.Sha1);
        ct.ThrowIfCancellationRequested();

        if (DataDirectory is not null)
        {
            var dataPath = Path.Combine(DataDirectory, fileName);
            if (File.Exists(dataPath))
            {
                // The user pointed here on purpose, so a bad file is an error rather than a reason to download.
                var actual = ComputeSha1(dataPath);
                if (actual != expected)
                {
                    throw new CorpusException(
                        CorpusErrorKind.ChecksumMismatch,
                        $"'{dataPath}' has SHA-1 {actual}, but {source.Name} ({fileName}) must have SHA-1 {expected}. " +
                        $"Files in the data directory are never replaced automatically: put an intact copy of {fileName} there, " +
                        "or remove it (or stop setting the data directory) so the corpus is downloaded into the cache.")
                    { FilePath = dataPath };
                }

                OnLog($"using {fileName} from data directory at {dataPath} (sha1 verified)");
                return dataPath;
            }

            OnLog($"{fileName} not found in data directory {DataDirectory}; trying the cache");
        }

        var cachePath = Path.Combine(CacheDirectory, fileName);
        if (File.Exists(cachePath) && FileKinds.Of(cachePath).Kind != FileKind.Regular)
        {
            // Our own cache: whatever took the file's place (a FIFO, a device node) goes, and the corpus is fetched again.
            OnLog($"{cachePath} is {FileKinds.Of(cachePath).Describe()}, not a regular file; deleting it and downloading again");
            File.Delete(cachePath);
        }
        if (File.Exists(cachePath))
        {
            var actual = ComputeSha1(cachePath);
            if (actual == expected)
            {
                OnLog($"using cached copy at {cachePath} (sha1 verified)");
                return cachePath;
            }

            // Our own cache is disposable; a stale or truncated copy is simply fetched again.
            OnLog($"cached copy at {cachePath} has sha1 {actual}, expected {expected}; deleting it and downloading again");
            File.Delete(cachePath);
        }

        await DownloadAsync(source, urlOverride ?? source.Url, cachePath, expected, ct).ConfigureAwait(false);
        return cachePath;
    }

    private async Task DownloadAsync(CorpusSource source, Uri url, string finalPath, string expected, CancellationToken ct)
    {
        Directory.CreateDirectory(CacheDirectory);

        // Same directory as the final file so the closing move is an atomic rename; dot-prefixed to stay out of the way.
        var tempPath = Path.Combine(CacheDirectory, $".{source.FileName}.{Guid.NewGuid():N}.tmp");
        var moved = false;
        OnLog($"downloading {url} to {finalPath}");
        try
        {
            var actual = await FetchToFileAsync(source, url, tempPath, ct).ConfigureAwait(false);
            if (actual != expected)
            {
                throw new CorpusException(
                    CorpusErrorKind.ChecksumMismatch,
                    $"The file downloaded from {url} has SHA-1 {actual}, but {source.Name} ({source.FileName}) must have SHA-1 {expected}. " +
                    $"It was discarded and nothing was stored at '{finalPath}'. The transfer may have been corrupted, or the server " +
                    $"serves a different version: try again. {LocalCopyHint(source)}")
                { FilePath = finalPath, Url = url };
            }

            try
            {
                File.Move(tempPath, finalPath, overwrite: true);
            }
            catch (IOException) when (File.Exists(finalPath) && ComputeSha1(finalPath) == expected)
            {
                // A concurrent Resolve (or Windows holding the target open) beat us to it with a good copy: use theirs.
            }

            moved = true;
            OnLog($"downloaded {source.FileName} ({new FileInfo(finalPath).Length} bytes, sha1 verified) to {finalPath}");
        }
        finally
        {
            if (!moved)
            {
                TryDelete(tempPath);
            }
        }
    }

    /// <summary>Streams the response body into <paramref name="tempPath"/>, hashing on the way; returns the hex SHA-1.</summary>
    private async Task<string> FetchToFileAsync(CorpusSource source, Uri url, string tempPath, CancellationToken ct)
    {
        // One token bounds the whole transfer; HttpClient.Timeout alone would stop at the response headers.
        using var timeoutCts = new CancellationTokenSource(DownloadTimeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeoutCts.Token);
        var token = linked.Token;
        try
        {
            using var client = CreateClient();
            using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw DownloadFailed(source, url, $"the server answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd(), null);
            }

            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
            var body = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                var file = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, useAsync: true);
                await using (file.ConfigureAwait(false))
                {
                    var buffer = new byte[BufferSize];
                    int read;
                    while ((read = await body.ReadAsync(buffer, token).ConfigureAwait(false)) > 0)
                    {
                        hash.AppendData(buffer, 0, read);
                        await file.WriteAsync(buffer.AsMemory(0, read), token).ConfigureAwait(false);
                    }

                    await file.FlushAsync(token).ConfigureAwait(false);
                }
            }

            return ToHex(hash.GetHashAndReset());
        }
        catch (OperationCanceledException ex) when (timeoutCts.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw DownloadFailed(source, url, $"no complete response within {DownloadTimeout.TotalSeconds:0.###} s", ex);
        }
        catch (HttpRequestException ex)
        {
            throw DownloadFailed(source, url, Describe(ex), ex);
        }
        catch (IOException ex) when (ex is HttpIOException || ex.InnerException is SocketException)
        {
            // Truncated bodies and connection resets; disk errors writing the temp file propagate unchanged.
            throw DownloadFailed(source, url, Describe(ex), ex);
        }
    }

    private HttpClient CreateClient()
    {
        var client = _handler is null
            ? new HttpClient(new SocketsHttpHandler { ConnectTimeout = DownloadTimeout }, disposeHandler: true)
            : new HttpClient(_handler, disposeHandler: false);
        client.Timeout = Timeout.InfiniteTimeSpan;
        client.DefaultRequestHeaders.UserAgent.ParseAdd("PSRnn");
        return client;
    }

    private static CorpusException DownloadFailed(CorpusSource source, Uri url, string reason, Exception? inner) =>
        new(CorpusErrorKind.DownloadFailed,
            $"Could not download {source.Name} from {url}: {reason}. {LocalCopyHint(source)}",
            inner)
        { Url = url };

    private static string LocalCopyHint(CorpusSource source) =>
        $"If this machine cannot reach that address, fetch {source.FileName} elsewhere and set the PSRNN_DATA " +
        $"environment variable ($env:PSRNN_DATA) to the folder holding it, or pass the file with -Path.";

    // Socket errors hide the useful part ("Connection refused") in the inner exception.
    private static string Describe(Exception ex)
    {
        var message = ex.Message.TrimEnd('.');
        return ex.InnerException is { } inner && !message.Contains(inner.Message.TrimEnd('.'), StringComparison.Ordinal)
            ? $"{message} ({inner.Message.TrimEnd('.')})"
            : message;
    }

    private static string CheckFileName(string fileName)
    {
        // The name is joined onto user directories, so it must not escape them.
        if (string.IsNullOrWhiteSpace(fileName) || Path.GetFileName(fileName) != fileName || fileName is "." or "..")
        {
            throw new ArgumentException($"Corpus file name '{fileName}' must be a plain file name.", "source");
        }

        return fileName;
    }

    private static string CheckSha1(string sha1)
    {
        var normalized = sha1?.Trim().ToLowerInvariant() ?? string.Empty;
        if (normalized.Length != 40 || !normalized.All(char.IsAsciiHexDigit))
        {
            throw new ArgumentException($"'{sha1}' is not a SHA-1 (40 hex digits).", "source");
        }

        return normalized;
    }

    private static string ToHex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private void OnLog(string message) => Log?.Invoke(message);
}
