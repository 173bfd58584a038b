using PSRnn.Engine.IO;
using PSRnn.Engine.Models;
using PSRnn.Engine.Persistence;
using PSRnn.Engine.Text;
using PSRnn.Engine.Training;
using Xunit;
using static TorchSharp.torch;

namespace PSRnn.Tests;

/// <summary>
/// PyTorch state_dict files: PSRnn's weights in torch.nn's layout, checked against real PyTorch where it
/// is installed (the model of Export-RnnStateDict's help), and the file rules everywhere.
/// </summary>
public sealed class StateDictTests : IDisposable
{
    private const int Hidden = 8, Steps = 12, Batch = 3;
    private static readonly string Text = TestData.Text(600);
    private readonly string folder = Directory.CreateTempSubdirectory("psrnn-statedict-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string PathOf(string name) => Path.Combine(folder, name);

    /// <summary>Implementation, cell, layers, embedding size (0: one-hot), tied.</summary>
    public static TheoryData<Implementation, CellType, int, int, bool> Mappable => new()
    {
        { Implementation.Fused, CellType.Rnn, 1, 0, false },
        { Implementation.Fused, CellType.Gru, 2, 0, false },
        { Implementation.Fused, CellType.Lstm, 2, 0, false },
        { Implementation.Scratch, CellType.Rnn, 2, 0, false },
        { Implementation.Scratch, CellType.Lstm, 1, 0, false },
        { Implementation.Scratch, CellType.Lstm, 2, 0, false },
        { Implementation.Fused, CellType.Gru, 1, 3, false },
        { Implementation.Fused, CellType.Lstm, 2, Hidden, true },
        { Implementation.Scratch, CellType.Rnn, 1, Hidden, true },
        { Implementation.Scratch, CellType.Lstm, 2, 3, false },
    };

    private static RnnModel Model(Implementation implementation, CellType cell, int layers, long seed, int embedding = 0, bool tied = false)
    {
        var options = new TextOptions();
        var vocabulary = Vocabulary.Build(options.Tokenize(new[] { Text }));
        var spec = new ModelSpec(cell, implementation, Hidden, vocabulary.Count, layers, EmbeddingSize: embedding, TieWeights: tied);
        return new RnnModel(spec, vocabulary, options, seed, ComputeDevice.Cpu, threads: 1);
    }

    /// <summary>Every weight (scratch biases included, which start at zero) drawn from U(−0.5, 0.5), so that every tensor shows in the logits.</summary>
    private static void Scramble(RnnModel model, long seed)
    {
        using var _ = no_grad();
        using var generator = new TorchSharp.torch.Generator((ulong)seed);
        foreach (var parameter in model.Network.parameters())
        {
            using var values = empty(parameter.shape).uniform_(-0.5, 0.5, generator);
            parameter.copy_(values);
        }
    }

    /// <summary>Steps × batch tokens of the text, time-major.</summary>
    private static long[,] Window(RnnModel model)
    {
        var indices = TestData.Tokens(model, Text);
        var window = new long[Steps, Batch];
        for (var s = 0; s < Steps; s++)
            for (var b = 0; b < Batch; b++) window[s, b] = indices[b * Steps + s];
        return window;
    }

    private static float[] LogitsOf(RnnModel model, long[,] window)
    {
        using var _ = no_grad();
        model.Network.eval();
        using var inputs = tensor(window.Cast<long>().ToArray(), new long[] { Steps, Batch });
        using var state = model.Network.InitialState(Batch);
        var (logits, final) = model.Network.forward(inputs, state);
        using (logits) using (final) return logits.data<float>().ToArray();
    }

    private static void AssertClose(float[] expected, float[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        var worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst <= tolerance, $"largest logit difference {worst:G3} exceeds {tolerance:G3}");
    }

    [PyTorchTheory]
    [MemberData(nameof(Mappable))]
    public void PyTorchLoadsTheExportAndComputesTheSameLogits(Implementation implementation, CellType cell, int layers, int embedding, bool tied)
    {
        using var model = Model(implementation, cell, layers, seed: 4, embedding, tied);
        Scramble(model, 21);
        StateDictFile.Save(model, PathOf("psrnn.pt"), WriteRule.CreateNew);
        var window = Window(model);
        var torch = TorchSide.Logits("load", cell.ToString(), model.VocabularySize, Hidden, layers, embedding, tied, PathOf("psrnn.pt"), window, folder);
        AssertClose(LogitsOf(model, window), torch, 1e-5);
    }

    [PyTorchTheory]
    [MemberData(nameof(Mappable))]
    public void PSRnnImportsWhatPyTorchSavedAndComputesTheSameLogits(Implementation implementation, CellType cell, int layers, int embedding, bool tied)
    {
        using var model = Model(implementation, cell, layers, seed: 5, embedding, tied);
        var window = Window(model);
        var torch = TorchSide.Logits("save", cell.ToString(), model.VocabularySize, Hidden, layers, embedding, tied, PathOf("torch.pt"), window, folder, seed: 13);
        var before = LogitsOf(model, window);
        StateDictFile.Load(model, PathOf("torch.pt"));
        var after = LogitsOf(model, window);
        AssertClose(torch, after, 1e-5);
        Assert.True(before.Zip(after, (a, b) => Math.Abs(a - b)).Max() > 1e-2, "the import did not change the weights");
    }

    [Theory]
    [MemberData(nameof(Mappable))]
    public void AModelWithOtherInitialWeightsTakesTheExportedOnesExactly(Implementation implementation, CellType cell, int layers, int embedding, bool tied)
    {
        using var source = Model(implementation, cell, layers, seed: 4, embedding, tied);
        Scramble(source, 22);
        using var target = Model(implementation, cell, layers, seed: 9, embedding, tied);
        StateDictFile.Save(source, PathOf("w.pt"), WriteRule.CreateNew);
        StateDictFile.Load(target, PathOf("w.pt"));
        var window = Window(source);
        Assert.Equal(LogitsOf(source, window), LogitsOf(target, window));
    }

    [Fact]
    public void AScratchLayoutIsTorchsNamesAndShapesWithTransposedGateBlocks()
    {
        using var model = Model(Implementation.Scratch, CellType.Lstm, 1, seed: 4);
        StateDictFile.Save(model, PathOf("lstm.pt"), WriteRule.CreateNew);
        var table = TorchSharp.PyBridge.PyTorchUnpickler.UnpickleStateDict(PathOf("lstm.pt"));
        var v = model.VocabularySize;
        var shapes = table.Keys.Cast<string>().ToDictionary(k => k, k => ((Tensor)table[k]!).shape);
        Assert.Equal(new[] { "output.bias", "output.weight", "rnn.bias_hh_l0", "rnn.bias_ih_l0", "rnn.weight_hh_l0", "rnn.weight_ih_l0" }, shapes.Keys.Order());
        Assert.Equal(new long[] { 4 * Hidden, v }, shapes["rnn.weight_ih_l0"]);
        Assert.Equal(new long[] { 4 * Hidden, Hidden }, shapes["rnn.weight_hh_l0"]);
        Assert.Equal(new long[] { v, Hidden }, shapes["output.weight"]);
        // PyTorch's third block (g) is d2l's candidate cell C~: W_xc transposed.
        var own = model.Network.state_dict();
        using var g = ((Tensor)table["rnn.weight_ih_l0"]!).narrow(0, 2 * Hidden, Hidden);
        Assert.True(g.allclose(own["W_xc"].t(), rtol: 0, atol: 0));
        foreach (var tensor in table.Values.Cast<Tensor>()) tensor.Dispose();
    }

    [Fact]
    public void AScratchGruIsRefusedAndNothingIsWritten()
    {
        using var model = Model(Implementation.Scratch, CellType.Gru, 1, seed: 4);
        var e = Assert.Throws<NoTorchEquivalentException>(() => StateDictFile.Save(model, PathOf("gru.pt"), WriteRule.CreateNew));
        Assert.Contains("Implementation Fused", e.Message);
        Assert.False(File.Exists(PathOf("gru.pt")));
        Assert.Throws<NoTorchEquivalentException>(() => StateDictFile.Load(model, PathOf("gru.pt")));
    }

    [Fact]
    public void AFileOfAnotherSizeNamesTheTensorAndLeavesTheModelAsItWas()
    {
        using var wide = Model(Implementation.Fused, CellType.Lstm, 1, seed: 4);
        StateDictFile.Save(wide, PathOf("wide.pt"), WriteRule.CreateNew);
        using var narrow = TestData.Model(Implementation.Fused, Text, hidden: 6, seed: 4, cell: CellType.Lstm);
        var window = Window(narrow);
        var before = LogitsOf(narrow, window);
        var e = Assert.Throws<StateDictMismatchException>(() => StateDictFile.Load(narrow, PathOf("wide.pt")));
        Assert.Equal("rnn.weight_ih_l0", e.TensorName);
        Assert.Contains($"[{4 * Hidden}, {wide.VocabularySize}]", e.Message);
        Assert.Contains($"[24, {wide.VocabularySize}]", e.Message);
        Assert.Equal(before, LogitsOf(narrow, window));
    }

    [Fact]
    public void AFileWithFewerLayersListsWhatIsMissing()
    {
        using var one = Model(Implementation.Scratch, CellType.Rnn, 1, seed: 4);
        StateDictFile.Save(one, PathOf("one.pt"), WriteRule.CreateNew);
        using var two = Model(Implementation.Scratch, CellType.Rnn, 2, seed: 4);
        var e = Assert.Throws<StateDictMismatchException>(() => StateDictFile.Load(two, PathOf("one.pt")));
        Assert.Equal("rnn.weight_ih_l1", e.TensorName);
        Assert.Contains("lacks rnn.weight_ih_l1, rnn.weight_hh_l1, rnn.bias_ih_l1, rnn.bias_hh_l1", e.Message);
    }

    [Fact]
    public void AnImportDropsTheHistoryAndOptimizerOfTheWeightsItReplaces()
    {
        using var source = Model(Implementation.Fused, CellType.Rnn, 1, seed: 4);
        StateDictFile.Save(source, PathOf("w.pt"), WriteRule.CreateNew);
        using var trained = Model(Implementation.Fused, CellType.Rnn, 1, seed: 6);
        TestData.Train(trained, TestData.Tokens(trained, Text), new TrainingOptions { Epochs = 1, BatchSize = 2, NumSteps = 8, Optimizer = OptimizerKind.Adam, LearningRate = 0.01 });
        Assert.NotNull(trained.Optimizer.Current);
        StateDictFile.Load(trained, PathOf("w.pt"));
        Assert.Empty(trained.History);
        Assert.Null(trained.Optimizer.Current);
    }

    [Fact]
    public void WeightsCannotBeReplacedBetweenTheEpochsOfARunThatMayStillExportThem()
    {
        using var model = Model(Implementation.Fused, CellType.Rnn, 1, seed: 4);
        StateDictFile.Save(model, PathOf("w.pt"), WriteRule.CreateNew);
        using var run = Trainer.Start(model, new TrainingOptions { Epochs = 2, BatchSize = 2, NumSteps = 8 }, TestData.Tokens(model, Text), null);
        var epochs = 0;
        foreach (var _ in run.Epochs(CancellationToken.None))
        {
            var e = Assert.Throws<ModelBusyException>(() => StateDictFile.Load(model, PathOf("w.pt")));
            Assert.Contains("between epochs", e.Message);
            StateDictFile.Save(model, PathOf("w.pt"), WriteRule.ReplaceModelFile);
            epochs++;
        }
        Assert.Equal(2, epochs);
        Assert.Equal(2, model.History.Count);
    }

    [Fact]
    public void FilesThatAreNotStateDictsAreRefusedAsSuch()
    {
        using var model = Model(Implementation.Fused, CellType.Rnn, 1, seed: 4);
        File.WriteAllText(PathOf("notes.txt"), "not a zip");
        var text = Assert.Throws<FileException>(() => StateDictFile.Load(model, PathOf("notes.txt")));
        Assert.Equal(FileProblem.InvalidStateDict, text.Problem);
        Assert.Contains("not a zip archive", text.Message);
        ModelFile.Save(model, PathOf("m.psrnn"), WriteRule.CreateNew);
        var psrnn = Assert.Throws<FileException>(() => StateDictFile.Load(model, PathOf("m.psrnn")));
        Assert.Equal(FileProblem.InvalidStateDict, psrnn.Problem);
        Assert.Contains("without data.pkl", psrnn.Message);
    }

    [Fact]
    public void ExistingFilesFollowExportRnnModelsRules()
    {
        using var model = Model(Implementation.Fused, CellType.Rnn, 1, seed: 4);
        StateDictFile.Save(model, PathOf("w.pt"), WriteRule.CreateNew);
        Assert.Equal(FileProblem.AlreadyExists, Assert.Throws<FileException>(() => StateDictFile.Save(model, PathOf("w.pt"), WriteRule.CreateNew)).Problem);
        StateDictFile.Save(model, PathOf("w.pt"), WriteRule.ReplaceModelFile);
        File.WriteAllText(PathOf("keep.txt"), "precious");
        var e = Assert.Throws<FileException>(() => StateDictFile.Save(model, PathOf("keep.txt"), WriteRule.ReplaceModelFile));
        Assert.Equal(FileProblem.AlreadyExists, e.Problem);
        Assert.Equal("precious", File.ReadAllText(PathOf("keep.txt")));
        Assert.Equal(new[] { "keep.txt", "w.pt" }, Directory.GetFiles(folder).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void AnUntiedFileIsRefusedByATiedModelAndATiedExportListsBothNamesAsPyTorchDoes()
    {
        using var untied = Model(Implementation.Fused, CellType.Rnn, 1, seed: 4, embedding: Hidden);
        Scramble(untied, 23);
        StateDictFile.Save(untied, PathOf("untied.pt"), WriteRule.CreateNew);
        using var tied = Model(Implementation.Fused, CellType.Rnn, 1, seed: 4, embedding: Hidden, tied: true);
        var window = Window(tied);
        var before = LogitsOf(tied, window);
        var e = Assert.Throws<StateDictMismatchException>(() => StateDictFile.Load(tied, PathOf("untied.pt")));
        Assert.Contains("without -TieWeights", e.Message);
        Assert.Equal(before, LogitsOf(tied, window));

        StateDictFile.Save(tied, PathOf("tied.pt"), WriteRule.CreateNew);
        using var file = new FileStream(PathOf("tied.pt"), FileMode.Open);
        var names = TorchSharp.PyBridge.PyTorchUnpickler.UnpickleStateDict(file).Keys.Cast<string>().Order();
        Assert.Equal(new[] { "embedding.weight", "output.bias", "output.weight", "rnn.bias_hh_l0", "rnn.bias_ih_l0", "rnn.weight_hh_l0", "rnn.weight_ih_l0" }, names);
    }
}
