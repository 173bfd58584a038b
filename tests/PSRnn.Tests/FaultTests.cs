using System.Diagnostics;
using PSRnn.Engine.Evaluation;
using PSRnn.Engine.IO;
using PSRnn.Engine.Models;
using PSRnn.Engine.Persistence;
using PSRnn.Engine.Training;
using Xunit;

namespace PSRnn.Tests;

/// <summary>Special files, extremes, explosions, failed checkpoints and Ctrl+C: each class of fault at its root.</summary>
public sealed class FaultTests : IDisposable
{
    private static readonly string Text = TestData.Text(3000);
    private readonly string folder = Directory.CreateTempSubdirectory("psrnn-faults-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string PathOf(string name) => Path.Combine(folder, name);

    private string Fifo(string name)
    {
        var path = PathOf(name);
        using var mkfifo = Process.Start("mkfifo", path);
        mkfifo.WaitForExit();
        Assert.Equal(FileKind.Fifo, FileKinds.Of(path).Kind);
        return path;
    }

    [LinuxFact]
    public void FileKindsTellRegularFilesFromFoldersLinksPipesAndDevices()
    {
        File.WriteAllText(PathOf("plain.txt"), "x");
        File.CreateSymbolicLink(PathOf("link"), PathOf("plain.txt"));
        File.CreateSymbolicLink(PathOf("dangling"), PathOf("nowhere"));
        Assert.Equal(FileKind.Regular, FileKinds.Of(PathOf("plain.txt")).Kind);
        Assert.Equal(FileKind.Regular, FileKinds.Of(PathOf("link")).Kind);
        Assert.Equal(FileKind.SymbolicLink, FileKinds.Of(PathOf("link"), followLinks: false).Kind);
        Assert.Equal(FileKind.Missing, FileKinds.Of(PathOf("dangling")).Kind);
        Assert.Equal(FileKind.Directory, FileKinds.Of(folder).Kind);
        Assert.Equal(FileKind.CharacterDevice, FileKinds.Of("/dev/null").Kind);
        Assert.Equal(FileKind.Missing, FileKinds.Of(PathOf("plain.txt/below")).Kind);
        Fifo("pipe");
    }

    [LinuxFact]
    public void APipeIsRefusedAtOnceForReadingAndWritingAndStaysAPipe()
    {
        var pipe = Fifo("pipe");
        using var model = TestData.Model(Implementation.Fused, Text);
        var clock = Stopwatch.StartNew();
        Assert.Equal(FileProblem.NotRegularFile, Assert.Throws<FileException>(() => TextFile.ReadLines(pipe)).Problem);
        Assert.Equal(FileProblem.NotRegularFile, Assert.Throws<FileException>(() => ModelFile.Load(pipe)).Problem);
        Assert.Equal(FileProblem.NotRegularFile, Assert.Throws<FileException>(() => ModelFile.Save(model, pipe, WriteRule.ReplaceModelFile)).Problem);
        Assert.Equal(FileProblem.NotRegularFile,
            Assert.Throws<FileException>(() => Trainer.Start(model, new TrainingOptions { CheckpointPath = pipe }, new[] { Text })).Problem);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), "nothing waited for a writer");
        Assert.Equal(FileKind.Fifo, FileKinds.Of(pipe).Kind);
        Assert.Single(Directory.GetFileSystemEntries(folder));
    }

    [LinuxFact]
    public void ADeviceIsNeverReplacedAndAReadThatFailsIsAReadError()
    {
        using var model = TestData.Model(Implementation.Fused, Text);
        var device = Assert.Throws<FileException>(() => ModelFile.Save(model, "/dev/null", WriteRule.ReplaceModelFile));
        Assert.Equal(FileProblem.NotRegularFile, device.Problem);
        Assert.Contains("character device", device.Message);
        Assert.Equal(FileKind.CharacterDevice, FileKinds.Of("/dev/null").Kind);
        // /proc/self/mem is a regular file by its type, but reading it from offset 0 fails with EIO.
        var eio = Assert.Throws<FileException>(() => TextFile.ReadLines("/proc/self/mem"));
        Assert.Equal(FileProblem.ReadFailed, eio.Problem);
    }

    [LinuxFact]
    public void ADanglingLinkAndALockedFileSayWhatIsWrong()
    {
        File.CreateSymbolicLink(PathOf("dangling.txt"), PathOf("gone.txt"));
        var dangling = Assert.Throws<FileException>(() => TextFile.ReadLines(PathOf("dangling.txt")));
        Assert.Equal(FileProblem.NotFound, dangling.Problem);
        Assert.Contains("symbolic link to", dangling.Message);
        File.WriteAllText(PathOf("locked.txt"), "the time");
        using (new FileStream(PathOf("locked.txt"), FileMode.Open, FileAccess.Read, FileShare.None))
            Assert.Equal(FileProblem.InUse, Assert.Throws<FileException>(() => TextFile.ReadLines(PathOf("locked.txt"))).Problem);
        Assert.Equal(new[] { "the time" }, TextFile.ReadLines(PathOf("locked.txt")));
    }

    [Fact]
    public void AWriteThroughALinkReplacesItsTargetAndKeepsTheLink()
    {
        using var model = TestData.Model(Implementation.Fused, Text);
        ModelFile.Save(model, PathOf("real.psrnn"), WriteRule.CreateNew);
        File.CreateSymbolicLink(PathOf("current.psrnn"), PathOf("real.psrnn"));
        Assert.Equal(PathOf("real.psrnn"), ModelFile.Save(model, PathOf("current.psrnn"), WriteRule.ReplaceModelFile));
        Assert.NotNull(new FileInfo(PathOf("current.psrnn")).LinkTarget);
        using var loaded = ModelFile.Load(PathOf("current.psrnn"));
    }

    [Theory]
    [InlineData(230)]
    [InlineData(255)]
    public void ANameAsLongAsTheFileSystemAllowsCanBeWritten(int length)
    {
        using var model = TestData.Model(Implementation.Fused, Text);
        var name = new string('m', length - ".psrnn".Length) + ".psrnn";
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(Path.GetFileName(AtomicFile.TemporaryPath(PathOf(name)))) <= 255);
        ModelFile.Save(model, PathOf(name), WriteRule.CreateNew);
        ModelFile.Save(model, PathOf(name), WriteRule.ReplaceModelFile);
        using var loaded = ModelFile.Load(PathOf(name));
        Assert.Equal(new[] { PathOf(name) }, Directory.GetFiles(folder));
        // Non-ASCII names count in bytes: 120 two-byte characters are 240 bytes.
        var accented = new string('é', 120) + ".psrnn";
        ModelFile.Save(model, PathOf(accented), WriteRule.CreateNew);
        Assert.True(File.Exists(PathOf(accented)));
    }

    [Fact]
    public void AnyFailureMidEpochPutsBackTheLastCompletedEpoch_AProgressCallbackStoppedByItsPipelineToo()
    {
        using var model = TestData.Model(Implementation.Fused, Text, hidden: 12);
        var corpus = TestData.Tokens(model, Text);
        var options = new TrainingOptions { Epochs = 3, BatchSize = 4, NumSteps = 8, Optimizer = OptimizerKind.Adam, LearningRate = 0.01 };
        using var run = Trainer.Start(model, options, corpus);
        var afterFirst = double.NaN;
        var records = new List<EpochRecord>();
        var stopped = Assert.Throws<InvalidOperationException>(() =>
        {
            foreach (var record in run.Epochs(onMinibatch: step =>
                     {
                         // PowerShell's WriteProgress throws once its pipeline is stopping: a callback can end an epoch.
                         if (step is { Epoch: 2, Done: 5 }) throw new InvalidOperationException("the pipeline is stopping");
                     }))
            {
                records.Add(record);
                afterFirst = Evaluator.Perplexity(model, corpus).Perplexity;
            }
        });
        Assert.Equal("the pipeline is stopping", stopped.Message);
        Assert.Single(records);
        Assert.Equal(1, model.EpochsTrained);
        Assert.Equal(afterFirst, Evaluator.Perplexity(model, corpus).Perplexity);
    }

    [Fact]
    public void AFiniteExplosionDivergesAndTheModelCanStillBeSaved()
    {
        using var model = TestData.Model(Implementation.Fused, Text);
        var tokens = TestData.Tokens(model, Text);
        TestData.Train(model, tokens, new TrainingOptions { Epochs = 1, BatchSize = 4, NumSteps = 8 });
        var wild = new TrainingOptions { Epochs = 2, BatchSize = 4, NumSteps = 8, LearningRate = 1e9, GradientClip = 1e12 };
        var e = Assert.Throws<TrainingDivergedException>(() => TestData.Train(model, tokens, wild));
        Assert.True(double.IsFinite(e.Loss) && e.Loss > e.Limit, $"a finite loss ({e.Loss}) above the limit ({e.Limit})");
        Assert.Equal(Divergence.LossLimit(model.VocabularySize), e.Limit);
        Assert.Equal(1, model.EpochsTrained);
        ModelFile.Save(model, PathOf("after.psrnn"), WriteRule.CreateNew);
        using var loaded = ModelFile.Load(PathOf("after.psrnn"));
        Assert.Equal(model.History, loaded.History);
    }

    [Fact]
    public void AHistoryWithAnInfinitePerplexityIsSavedAndLoaded()
    {
        using var model = TestData.Model(Implementation.Fused, Text);
        model.Record(new EpochRecord { Epoch = 1, Loss = 1e9, Perplexity = double.PositiveInfinity, ValidationPerplexity = double.NaN });
        ModelFile.Save(model, PathOf("inf.psrnn"), WriteRule.CreateNew);
        using var loaded = ModelFile.Load(PathOf("inf.psrnn"));
        Assert.Equal(double.PositiveInfinity, loaded.History.Single().Perplexity);
        Assert.True(double.IsNaN(loaded.History.Single().ValidationPerplexity!.Value));
    }

    [Fact]
    public void ACheckpointThatCannotBeWrittenUndoesItsEpoch()
    {
        using var model = TestData.Model(Implementation.Fused, Text);
        var tokens = TestData.Tokens(model, Text);
        var checkpoints = Directory.CreateDirectory(PathOf("checkpoints")).FullName;
        var options = new TrainingOptions { Epochs = 3, BatchSize = 4, NumSteps = 8, CheckpointPath = Path.Combine(checkpoints, "c.psrnn") };
        List<TorchSharp.torch.Tensor> afterFirst = null!;
        using var run = Trainer.Start(model, options, tokens);
        // Epoch 1 is checkpointed; during epoch 2 the folder disappears, as a full or unmounted disk would fail the write.
        var e = Assert.Throws<FileException>(() =>
        {
            foreach (var record in run.Epochs(default, batch => { if (batch is { Epoch: 2, Done: 1 }) Directory.Delete(checkpoints, recursive: true); }))
                afterFirst = model.Network.parameters().Select(p => p.detach().clone()).ToList();
        });
        Assert.Equal(FileProblem.WriteFailed, e.Problem);
        Assert.Contains("Epoch 2 was undone", e.Message);
        Assert.Equal(1, model.EpochsTrained);
        Assert.All(model.Network.parameters().Zip(afterFirst), pair => Assert.True(pair.First.allclose(pair.Second, rtol: 0, atol: 0)));
    }

    [Fact]
    public void SamplingNeverProducesNaNWhateverTheTemperature()
    {
        var logits = new[] { 1.0, 3.0, 2.0, 3.0 - 1e-9 };
        var random = new Random(1);
        // A subnormal temperature is greedy; a huge one draws every token.
        Assert.All(Enumerable.Range(0, 50), _ => Assert.Equal(1, new GenerationOptions(Temperature: double.Epsilon).Choose(logits, random)));
        var drawn = Enumerable.Range(0, 400).Select(_ => new GenerationOptions(Temperature: 1e308).Choose(logits, random)).ToHashSet();
        Assert.Equal(new long[] { 0, 1, 2, 3 }, drawn.Order());
        Assert.Equal(1, new GenerationOptions(Temperature: 1).Choose(new[] { double.NegativeInfinity, double.PositiveInfinity, 0 }, random));
        Assert.Throws<NonFiniteOutputException>(() => new GenerationOptions(Temperature: 1).Choose(new[] { 0, double.NaN }, random));
        Assert.Throws<NonFiniteOutputException>(() => new GenerationOptions().Choose(new[] { double.NegativeInfinity, double.NegativeInfinity }, random));
    }

    [Fact]
    public void AnInitialStateOfNaNsOrTheWrongSizeIsRefused()
    {
        using var model = TestData.Model(Implementation.Fused, Text);
        var tokens = TestData.Tokens(model, "the");
        Assert.Contains("NaN at index 3", Assert.Throws<InitialStateException>(() =>
            Evaluator.Trace(model, tokens, Enumerable.Range(0, 16).Select(i => i == 3 ? float.NaN : 0f).ToArray())).Message);
        Assert.Throws<InitialStateException>(() => Evaluator.Trace(model, tokens, new float[16].Select(_ => float.PositiveInfinity).ToArray()));
        Assert.Throws<InitialStateException>(() => Evaluator.Trace(model, tokens, new float[3]));
    }

    [Fact]
    public void EveryLongLoopHonoursCancellation()
    {
        using var model = TestData.Model(Implementation.Fused, Text);
        var tokens = TestData.Tokens(model, Text);
        ModelFile.Save(model, PathOf("m.psrnn"), WriteRule.CreateNew);
        File.WriteAllLines(PathOf("text.txt"), Enumerable.Repeat("the time traveller", 5000));
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var token = cancelled.Token;
        Assert.All(new Action[]
        {
            () => Evaluator.Perplexity(model, tokens, token),
            () => Evaluator.Trace(model, tokens, cancellation: token),
            () => TextGenerator.Continue(model, tokens[..3], 1_000_000_000 / 64, new(), token),
            () => ModelFile.Load(PathOf("m.psrnn"), cancellation: token),
            () => TextFile.ReadLines(PathOf("text.txt"), token),
        }, work => Assert.ThrowsAny<OperationCanceledException>(work));
        // Cancelled mid-stream: generation stops at the token it was on, not at -Length.
        using var soon = new CancellationTokenSource();
        var generated = 0;
        Assert.ThrowsAny<OperationCanceledException>(() =>
            TextGenerator.Generate(model, tokens[..3], int.MaxValue / 64, new(), _ => { if (++generated == 100) soon.Cancel(); }, soon.Token));
        Assert.Equal(100, generated);
    }
}
