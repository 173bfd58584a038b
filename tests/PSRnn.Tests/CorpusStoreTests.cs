using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using PSRnn.Engine.Text;
using Xunit;

namespace PSRnn.Tests;

public sealed class CorpusStoreTests : IDisposable
{
    private const string Text = "The Time Traveller (for so it will be convenient to speak of him)\nwas expounding a recondite matter to us.\n";
    private static readonly byte[] Bytes = Encoding.UTF8.GetBytes(Text);
    private static readonly string TextSha1 = Convert.ToHexString(SHA1.HashData(Bytes)).ToLowerInvariant();

    // Every client call is bounded, so a broken test fails in seconds instead of hanging the run.
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(3);

    private readonly string _root = Path.Combine(Path.GetTempPath(), "psrnn-corpus-" + Guid.NewGuid().ToString("N"));
    private readonly List<string> _log = [];

    public CorpusStoreTests() => Directory.CreateDirectory(_root);

    private string CacheDir => Path.Combine(_root, "cache");

    private string DataDir => Path.Combine(_root, "data");

    private string CachePath => Path.Combine(CacheDir, "tiny.txt");

    private static CorpusSource Source(Uri url, string? sha1 = null) => new("Tiny", "tiny.txt", url, sha1 ?? TextSha1);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private CorpusStore Store(string? dataDir = null, HttpMessageHandler? handler = null, TimeSpan? timeout = null)
    {
        var store = new CorpusStore(CacheDir, dataDir, handler, timeout ?? ClientTimeout);
        store.Log += _log.Add;
        return store;
    }

    private string[] CacheFiles() => Directory.Exists(CacheDir) ? Directory.GetFiles(CacheDir) : [];

    [Fact]
    public void Download_IsVerifiedCachedAndNotFetchedAgain()
    {
        using var server = LoopbackHttpServer.Serving(Bytes);

        var path = Store().Resolve(Source(server.Url));

        Assert.Equal(CachePath, path);
        Assert.Equal(Text, File.ReadAllText(path));
        Assert.Equal(1, server.Requests);
        Assert.Equal([CachePath], CacheFiles());
        Assert.Contains(_log, m => m.StartsWith("downloading", StringComparison.Ordinal));

        // A fresh store over the same cache must also use the verified copy.
        Assert.Equal(CachePath, Store().Resolve(Source(server.Url)));
        Assert.Equal(1, server.Requests);
        Assert.Contains(_log, m => m.StartsWith("using cached copy at", StringComparison.Ordinal));
    }

    [Fact]
    public void WrongSha1_IsChecksumMismatch_AndLeavesNoFiles()
    {
        using var server = LoopbackHttpServer.Serving(Bytes);
        var wrong = new string('0', 40);

        var ex = Assert.Throws<CorpusException>(() => Store().Resolve(Source(server.Url, wrong)));

        Assert.Equal(CorpusErrorKind.ChecksumMismatch, ex.Kind);
        Assert.Contains(wrong, ex.Message);
        Assert.Contains(TextSha1, ex.Message);
        Assert.Contains(CachePath, ex.Message);
        Assert.Empty(CacheFiles());
    }

    [Fact]
    public void ServerDown_IsDownloadFailed_Promptly()
    {
        var url = new Uri($"http://127.0.0.1:{LoopbackHttpServer.UnusedPort()}/tiny.txt");
        var clock = Stopwatch.StartNew();

        // A long client timeout shows the refusal is reported as such, not waited out
        // (Windows retries refused connects for about 2 s, hence the loose bound).
        var ex = Assert.Throws<CorpusException>(() => Store(timeout: TimeSpan.FromSeconds(20)).Resolve(Source(url)));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Equal(CorpusErrorKind.DownloadFailed, ex.Kind);
        Assert.DoesNotContain("within", ex.Message);
        Assert.Equal(url, ex.Url);
        Assert.Contains(url.ToString(), ex.Message);
        Assert.Contains("PSRNN_DATA", ex.Message);
        Assert.Contains("-Path", ex.Message);
        Assert.Empty(CacheFiles());
    }

    [Fact]
    public void Http404_IsDownloadFailed()
    {
        using var server = LoopbackHttpServer.Status(404, "Not Found");

        var ex = Assert.Throws<CorpusException>(() => Store().Resolve(Source(server.Url)));

        Assert.Equal(CorpusErrorKind.DownloadFailed, ex.Kind);
        Assert.Contains("404", ex.Message);
        Assert.Empty(CacheFiles());
    }

    [Fact]
    public void TruncatedBody_IsDownloadFailed_AndLeavesNoFiles()
    {
        // Promise more bytes than are sent, then close the connection.
        using var server = new LoopbackHttpServer(
            (stream, ct) => LoopbackHttpServer.WriteResponseAsync(stream, 200, "OK", Bytes, Bytes.Length + 1000, ct));

        var ex = Assert.Throws<CorpusException>(() => Store().Resolve(Source(server.Url)));

        Assert.Equal(CorpusErrorKind.DownloadFailed, ex.Kind);
        Assert.Empty(CacheFiles());
    }

    [Fact]
    public void SilentServer_IsDownloadFailed_AfterTimeout()
    {
        // The process's first HTTP request pays .NET's one-time start-up (JIT, sockets, TLS setup),
        // which on a loaded machine can outlast the 300 ms limit before the request is even sent:
        // warm up on a server that answers, so the limit measures the silent server alone.
        using (var warm = LoopbackHttpServer.Serving(Bytes)) Store().Resolve(Source(warm.Url));
        File.Delete(CachePath);
        using var server = LoopbackHttpServer.Silent();
        var clock = Stopwatch.StartNew();

        var ex = Assert.Throws<CorpusException>(() => Store(timeout: TimeSpan.FromMilliseconds(300)).Resolve(Source(server.Url)));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed}");
        Assert.Equal(CorpusErrorKind.DownloadFailed, ex.Kind);
        Assert.Contains("within", ex.Message);
        Assert.Equal(1, server.Requests);
        Assert.Empty(CacheFiles());
    }

    [Fact]
    public void Cancellation_IsNotReportedAsDownloadFailure()
    {
        using var server = LoopbackHttpServer.Silent();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        Assert.ThrowsAny<OperationCanceledException>(() => Store().Resolve(Source(server.Url), ct: cts.Token));
        Assert.Empty(CacheFiles());
    }

    [Fact]
    public void DataDirectory_GoodFile_IsUsedWithoutNetwork()
    {
        Directory.CreateDirectory(DataDir);
        var dataPath = Path.Combine(DataDir, "tiny.txt");
        File.WriteAllBytes(dataPath, Bytes);

        var path = Store(DataDir, new NoNetworkHandler()).Resolve(Source(new Uri("http://127.0.0.1:9/tiny.txt")));

        Assert.Equal(dataPath, path);
        Assert.False(Directory.Exists(CacheDir));
    }

    [Fact]
    public void DataDirectory_CorruptFile_IsChecksumMismatch_EvenWithGoodCache()
    {
        Directory.CreateDirectory(DataDir);
        var dataPath = Path.Combine(DataDir, "tiny.txt");
        File.WriteAllText(dataPath, Text + "tampered");
        Directory.CreateDirectory(CacheDir);
        File.WriteAllBytes(CachePath, Bytes);

        var ex = Assert.Throws<CorpusException>(
            () => Store(DataDir, new NoNetworkHandler()).Resolve(Source(new Uri("http://127.0.0.1:9/tiny.txt"))));

        Assert.Equal(CorpusErrorKind.ChecksumMismatch, ex.Kind);
        Assert.Equal(dataPath, ex.FilePath);
        Assert.Contains(dataPath, ex.Message);
        Assert.Contains(TextSha1, ex.Message);
        Assert.Equal(Text + "tampered", File.ReadAllText(dataPath));
    }

    [Fact]
    public void DataDirectory_WithoutTheFile_FallsBackToDownload()
    {
        Directory.CreateDirectory(DataDir);
        using var server = LoopbackHttpServer.Serving(Bytes);

        Assert.Equal(CachePath, Store(DataDir).Resolve(Source(server.Url)));
        Assert.Equal(1, server.Requests);
        Assert.Empty(Directory.GetFiles(DataDir));
    }

    [Fact]
    public void CorruptCache_IsReplacedByFreshDownload()
    {
        Directory.CreateDirectory(CacheDir);
        File.WriteAllText(CachePath, "half a file");
        using var server = LoopbackHttpServer.Serving(Bytes);

        Assert.Equal(CachePath, Store().Resolve(Source(server.Url)));

        Assert.Equal(1, server.Requests);
        Assert.Equal(Text, File.ReadAllText(CachePath));
        Assert.Equal([CachePath], CacheFiles());
    }

    [Fact]
    public void UrlOverride_IsUsedInsteadOfSourceUrl()
    {
        using var server = LoopbackHttpServer.Serving(Bytes);
        var source = Source(new Uri($"http://127.0.0.1:{LoopbackHttpServer.UnusedPort()}/unreachable.txt"));

        Assert.Equal(CachePath, Store().Resolve(source, urlOverride: server.Url));
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public void ComputeSha1_IsLowercaseHex()
    {
        var path = Path.Combine(_root, "abc.txt");
        File.WriteAllText(path, "abc");
        Assert.Equal("a9993e364706816aba3e25717850c26c9cd0d89d", CorpusStore.ComputeSha1(path));
    }

    [Fact]
    public void Catalog_FindsByNameIgnoringCase()
    {
        Assert.Same(CorpusCatalog.TimeMachine, CorpusCatalog.Find("timemachine"));
        Assert.Same(CorpusCatalog.TimeMachine, CorpusCatalog.Find("TIMEMACHINE"));
        Assert.Null(CorpusCatalog.Find("war-of-the-worlds"));
        Assert.Contains(CorpusCatalog.TimeMachine, CorpusCatalog.All);
        Assert.Same(CorpusCatalog.TinyShakespeare, CorpusCatalog.Find(" tinyshakespeare "));
        Assert.Equal(CorpusErrorKind.NotFound, Assert.Throws<CorpusException>(() => CorpusCatalog.Get("nope")).Kind);
    }

    [TimeMachineFact]
    public void TimeMachineSha1_MatchesSharedCopy()
    {
        var shared = TestData.TimeMachinePath()!;
        Assert.Equal(CorpusCatalog.TimeMachine.Sha1, CorpusStore.ComputeSha1(shared));
        var store = Store(Path.GetDirectoryName(shared), new NoNetworkHandler());
        Assert.Equal(shared, store.Resolve(CorpusCatalog.TimeMachine));
    }

    [Fact]
    public void TinyShakespeare_IsKarpathysCharRnnFile()
    {
        var source = CorpusCatalog.TinyShakespeare;
        Assert.Equal("tinyshakespeare.txt", source.FileName);
        Assert.Equal("https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt", source.Url.AbsoluteUri);
        Assert.Equal("04486597058d11dcc2c556b1d0433891eb639d2e", source.Sha1);
    }

    [TinyShakespeareFact]
    public void TinyShakespeare_FoundInDataDirectoryWithoutNetwork()
    {
        var shared = TestData.SharedDataPath("tinyshakespeare.txt")!;
        Assert.Equal(1_115_394, new FileInfo(shared).Length);
        Assert.Equal(CorpusCatalog.TinyShakespeare.Sha1, CorpusStore.ComputeSha1(shared));
        var store = Store(Path.GetDirectoryName(shared), new NoNetworkHandler());
        Assert.Equal(shared, store.Resolve(CorpusCatalog.TinyShakespeare));
    }

    [Fact]
    public void TinyShakespeare_DownloadedFromItsUrlIsCachedUnderItsFileName()
    {
        // The catalogue's own entry with its host swapped for a loopback server (and a checksum of the
        // served stand-in text): downloaded, verified, and cached as tinyshakespeare.txt.
        var lines = Enumerable.Range(0, 200).Select(i => $"FIRST CITIZEN:\nBefore we proceed any further, hear me speak. {i}");
        var bytes = Encoding.UTF8.GetBytes(string.Join("\n", lines));
        using var server = LoopbackHttpServer.Serving(bytes);
        var real = CorpusCatalog.TinyShakespeare;
        var local = real with { Url = new Uri(server.Url, real.Url.AbsolutePath), Sha1 = Convert.ToHexString(SHA1.HashData(bytes)).ToLowerInvariant() };

        var path = Store().Resolve(local);

        Assert.Equal(Path.Combine(CacheDir, "tinyshakespeare.txt"), path);
        Assert.Equal(bytes, File.ReadAllBytes(path));
        Assert.Equal(1, server.Requests);
    }

    /// <summary>Fails the test loudly if the store touches the network.</summary>
    private sealed class NoNetworkHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            throw new InvalidOperationException($"unexpected network request to {request.RequestUri}");
    }
}
