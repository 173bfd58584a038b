using PSRnn.Engine.Models;
using PSRnn.Engine.Text;
using PSRnn.Engine.Training;

namespace PSRnn.Tests;

internal static class TestData
{
    private static readonly string[] Words =
        { "the", "time", "traveller", "machine", "was", "said", "and", "of", "a", "we", "it", "in", "my", "little", "there" };

    /// <summary>English-like text from a fixed word list: the same seed gives the same text.</summary>
    public static string Text(int characters, int seed = 1)
    {
        var random = new Random(seed);
        var builder = new System.Text.StringBuilder();
        while (builder.Length < characters)
            builder.Append(Words[random.Next(Words.Length)]).Append(' ');
        return builder.ToString(0, characters);
    }

    /// <summary>The text's token indices in the model's vocabulary.</summary>
    public static long[] Tokens(RnnModel model, string text) => model.ReadText(new[] { text }).Indices;

    /// <summary>A whole training run on token indices: its records, once every epoch has run.</summary>
    public static List<EpochRecord> Train(RnnModel model, long[] corpus, TrainingOptions options, CancellationToken cancellation = default,
                                          long[]? validation = null)
    {
        using var run = Trainer.Start(model, options, corpus, validation);
        return run.Epochs(cancellation).ToList();
    }

    /// <summary>Runs <paramref name="work"/> on a thread of its own (another runspace's, as a model sees it) and returns or rethrows.</summary>
    public static T OnAnotherThread<T>(Func<T> work)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try { result = work(); }
            catch (Exception e) { failure = e; }
        });
        thread.Start();
        thread.Join();
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        return result;
    }

    public static RnnModel Model(Implementation implementation, string text, int hidden = 16, long seed = 3,
                                 CellType cell = CellType.Rnn, int layers = 1, double dropout = 0)
    {
        var options = new TextOptions();
        var vocabulary = Vocabulary.Build(options.Tokenize(new[] { text }));
        var spec = new ModelSpec(cell, implementation, hidden, vocabulary.Count, layers, dropout);
        return new RnnModel(spec, vocabulary, options, seed, ComputeDevice.Cpu, threads: 1);
    }

    /// <summary>TorchSharp's libLibTorchSharp.so as shipped (unpatched), from the NuGet cache.</summary>
    public static string? CachedLibTorchSharp()
    {
        var root = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (string.IsNullOrEmpty(root))
            root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var path = Path.Combine(root, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        return File.Exists(path) ? path : null;
    }

    /// <summary>The verified Time Machine copy beside the repository, or null where ../shared is absent.</summary>
    public static string? TimeMachinePath() => SharedDataPath("timemachine.txt");

    /// <summary>A file of ../shared/data beside the repository, or null where it is absent.</summary>
    public static string? SharedDataPath(string fileName)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PSRnn.sln")))
            {
                var path = Path.Combine(dir.FullName, "..", "shared", "data", fileName);
                return File.Exists(path) ? Path.GetFullPath(path) : null;
            }
        }
        return null;
    }
}
