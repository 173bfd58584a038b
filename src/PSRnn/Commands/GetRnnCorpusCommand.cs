using System.Management.Automation;
using PSRnn.Engine.IO;
using PSRnn.Engine.Text;

namespace PSRnn.Commands;

/// <summary>
/// Returns the lines of a known corpus (verified against its published sha1) or of local files,
/// ready to pipe into New-RnnModel or Invoke-RnnTraining.
/// </summary>
[Cmdlet(VerbsCommon.Get, "RnnCorpus", DefaultParameterSetName = NameSet)]
[OutputType(typeof(string))]
public sealed class GetRnnCorpusCommand : TextInputCmdlet
{
    private const string NameSet = "Name";

    /// <summary>A known corpus: TimeMachine (H. G. Wells, as used by d2l) or TinyShakespeare (char-rnn's).</summary>
    [Parameter(ParameterSetName = NameSet, Position = 0)]
    [ValidateSet("TimeMachine", "TinyShakespeare", IgnoreCase = true)]
    public string Name { get; set; } = "TimeMachine";

    /// <summary>Where downloads are cached; defaults to the user's cache folder.</summary>
    [Parameter(ParameterSetName = NameSet)]
    public string? CacheDirectory { get; set; }

    protected override void ProcessText()
    {
        if (ParameterSetName != NameSet)
        {
            foreach (var line in Lines) WriteObject(line);
            return;
        }
        var source = Engine(() => CorpusCatalog.Get(Name), Name);
        var dataDirectory = Environment.GetEnvironmentVariable("PSRNN_DATA");
        var cache = CacheDirectory is null ? CorpusStore.DefaultCacheDirectory : FileSystemPath(CacheDirectory);
        var store = new CorpusStore(cache, string.IsNullOrEmpty(dataDirectory) ? null : dataDirectory);
        // The store may log from a thread-pool thread; only the pipeline thread may write verbose records.
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        store.Log += log.Enqueue;
        string path;
        try
        {
            path = Engine(() => store.Resolve(source, ct: Cancellation), source.Name);
        }
        finally
        {
            foreach (var message in log) WriteVerbose(message);
        }
        foreach (var line in Engine(() => TextFile.ReadLines(path, Cancellation), path)) WriteObject(line);
    }
}
