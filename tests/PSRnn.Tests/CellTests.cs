using PSRnn.Engine.Evaluation;
using PSRnn.Engine.Models;
using PSRnn.Engine.Training;
using TorchSharp;
using Xunit;
using static PSRnn.Tests.CellKit;
using static TorchSharp.torch;

namespace PSRnn.Tests;

/// <summary>GRU and LSTM beside the RNN, one and two layers, both implementations (the one-layer RNN's own tests are in ScratchRnnTests).</summary>
public class CellTests
{
    private static void AssertClose(Tensor expected, Tensor actual, double tolerance = 1e-12) =>
        Assert.True(expected.allclose(actual, rtol: tolerance, atol: tolerance),
            $"largest difference {(expected - actual).abs().max().ToDouble()}");

    [Theory]
    [InlineData(CellType.Gru, 1, 3 * (5 * 4 + 4 * 4 + 4))]
    [InlineData(CellType.Lstm, 1, 4 * (5 * 4 + 4 * 4 + 4))]
    [InlineData(CellType.Rnn, 2, 1 * (5 * 4 + 4 * 4 + 4) + 1 * (4 * 4 + 4 * 4 + 4))]
    [InlineData(CellType.Gru, 2, 3 * (5 * 4 + 4 * 4 + 4) + 3 * (4 * 4 + 4 * 4 + 4))]
    [InlineData(CellType.Lstm, 2, 4 * (5 * 4 + 4 * 4 + 4) + 4 * (4 * 4 + 4 * 4 + 4))]
    public void ScratchGradientsEqualCentralFiniteDifferencesInFloat64(CellType cell, int layers, int cellEntries)
    {
        using var network = NetworkFactory.Create(Spec(cell, layers: layers), seed: 11, CPU, ScalarType.Float64);
        Randomise(network);
        Assert.Equal(cellEntries + 4 * 5 + 5, AssertGradientsEqualFiniteDifferences(network));
    }

    [Theory]
    [InlineData(CellType.Rnn, 1)]
    [InlineData(CellType.Gru, 1)]
    [InlineData(CellType.Lstm, 1)]
    [InlineData(CellType.Rnn, 2)]
    [InlineData(CellType.Gru, 2)]
    [InlineData(CellType.Lstm, 2)]
    public void ScratchFollowsD2lEquationsWrittenOut(CellType cell, int layers)
    {
        using var scratch = NetworkFactory.Create(Spec(cell, layers: layers), seed: 4, CPU, ScalarType.Float64);
        Randomise(scratch);
        var (inputs, _, state) = Batch(scratch);
        var (logits, final) = scratch.call(inputs, state);
        var (expectedLogits, expectedState) = Reference(scratch, inputs, state);
        AssertClose(expectedLogits, logits);
        AssertClose(expectedState, final);
    }

    [Theory]
    [InlineData(CellType.Rnn, 1)]
    [InlineData(CellType.Gru, 1)]
    [InlineData(CellType.Lstm, 1)]
    [InlineData(CellType.Rnn, 2)]
    [InlineData(CellType.Gru, 2)]
    [InlineData(CellType.Lstm, 2)]
    public void FusedFollowsLibTorchEquationsWrittenOut(CellType cell, int layers)
    {
        // The reference with the reset gate after the hidden matmul is libtorch's GRU; this also pins the gate order.
        using var scratch = NetworkFactory.Create(Spec(cell, layers: layers), seed: 4, CPU, ScalarType.Float64);
        using var fused = NetworkFactory.Create(Spec(cell, Implementation.Fused, layers), seed: 5, CPU, ScalarType.Float64);
        Randomise(scratch);
        CopyScratchToFused(scratch, fused);
        var (inputs, _, state) = Batch(scratch);
        var (logits, final) = fused.call(inputs, state);
        var (expectedLogits, expectedState) = Reference(scratch, inputs, state, resetAfterMatmul: true);
        AssertClose(expectedLogits, logits);
        AssertClose(expectedState, final);
    }

    [Theory]
    [InlineData(CellType.Rnn, 1)]
    [InlineData(CellType.Gru, 1)]
    [InlineData(CellType.Lstm, 1)]
    [InlineData(CellType.Rnn, 2)]
    [InlineData(CellType.Gru, 2)]
    [InlineData(CellType.Lstm, 2)]
    public void ScratchAndFusedGiveTheSameOutputsAndStateOnTheSameWeights(CellType cell, int layers)
    {
        using var scratch = NetworkFactory.Create(Spec(cell, layers: layers), seed: 1, CPU, ScalarType.Float64);
        using var fused = NetworkFactory.Create(Spec(cell, Implementation.Fused, layers), seed: 2, CPU, ScalarType.Float64);
        Randomise(scratch);
        if (cell == CellType.Gru)
        {
            // (R ⊙ H) W_hh = R ⊙ (H W_hh) exactly when W_hh is diagonal: the only weights on which the forms agree.
            using var _ = no_grad();
            foreach (var (name, p) in Parameters(scratch).Where(p => p.Key.EndsWith("W_hh")))
                p.mul_(eye(p.size(0), dtype: p.dtype));
        }
        CopyScratchToFused(scratch, fused);
        var (inputs, _, state) = Batch(scratch);
        var (scratchLogits, scratchState) = scratch.call(inputs, state);
        var (fusedLogits, fusedState) = fused.call(inputs, state);
        Assert.Equal(new long[] { 6, 5 }, scratchLogits.shape);
        AssertClose(scratchLogits, fusedLogits);
        AssertClose(scratchState, fusedState);
    }

    [Fact]
    public void GruScratchAndFusedAreDifferentFunctionsWhenWhhIsNotDiagonal()
    {
        using var scratch = NetworkFactory.Create(Spec(CellType.Gru), seed: 1, CPU, ScalarType.Float64);
        using var fused = NetworkFactory.Create(Spec(CellType.Gru, Implementation.Fused), seed: 2, CPU, ScalarType.Float64);
        Randomise(scratch);
        CopyScratchToFused(scratch, fused);
        var (inputs, _, state) = Batch(scratch);
        var difference = (scratch.call(inputs, state).Logits - fused.call(inputs, state).Logits).abs().max().ToDouble();
        Assert.True(difference > 1e-3, $"largest difference {difference}");
    }

    [Theory]
    [InlineData(CellType.Rnn, "h")]
    [InlineData(CellType.Gru, "zrh")]
    [InlineData(CellType.Lstm, "ifoc")]
    public void ScratchNamesParametersAsD2lWithALayerPrefixAboveLayerZero(CellType cell, string gates)
    {
        using var network = NetworkFactory.Create(Spec(cell, layers: 3), seed: 1, CPU);
        IEnumerable<string> Layer(string prefix) => gates.SelectMany(g => new[] { $"{prefix}W_x{g}", $"{prefix}W_h{g}", $"{prefix}b_{g}" });
        var expected = Layer("").Concat(Layer("l1.")).Concat(Layer("l2.")).Append("W_hq").Append("b_q");
        var parameters = Parameters(network);
        Assert.Equal(expected, parameters.Keys);
        Assert.Equal(new long[] { 5, 4 }, parameters[$"W_x{gates[0]}"].shape);
        Assert.Equal(new long[] { 4, 4 }, parameters[$"l2.W_x{gates[0]}"].shape);
    }

    [Theory]
    [InlineData(Implementation.Scratch)]
    [InlineData(Implementation.Fused)]
    public void TwoLayerWeightsRoundTripThroughModuleSaveAndLoad(Implementation implementation)
    {
        // The model file stores weights by these names ("l1.W_xh" included).
        using var saved = NetworkFactory.Create(Spec(CellType.Lstm, implementation, layers: 2), seed: 1, CPU);
        using var loaded = NetworkFactory.Create(Spec(CellType.Lstm, implementation, layers: 2), seed: 2, CPU);
        using var stream = new MemoryStream();
        saved.save(new BinaryWriter(stream));
        stream.Position = 0;
        loaded.load(new BinaryReader(stream));
        Assert.All(saved.named_parameters().Zip(loaded.named_parameters()), p =>
        {
            Assert.Equal(p.First.name, p.Second.name);
            Assert.True(p.First.parameter.allclose(p.Second.parameter, rtol: 0, atol: 0), p.First.name);
        });
    }

    [Theory]
    [InlineData(CellType.Gru)]
    [InlineData(CellType.Lstm)]
    public void ScratchInitialisesWeightsFromNormalWithStdOneHundredthAndZeroBiases(CellType cell)
    {
        var spec = Spec(cell, layers: 2) with { HiddenSize = 64, VocabularySize = 28 };
        using var network = NetworkFactory.Create(spec, seed: 5, CPU);
        foreach (var (name, p) in Parameters(network))
        {
            if (name.Contains("b_")) Assert.Equal(0, p.abs().sum().ToDouble());
            else Assert.InRange(p.std().ToDouble(), 0.009, 0.011);
        }
    }

    [Fact]
    public void FusedInitialisesEveryParameterUniformlyWithinOneOverRootHidden()
    {
        using var network = NetworkFactory.Create(Spec(CellType.Lstm, Implementation.Fused, layers: 2) with { HiddenSize = 64, VocabularySize = 28 }, seed: 5, CPU);
        foreach (var (name, p) in Parameters(network))
        {
            Assert.InRange(p.abs().max().ToDouble(), 0, 1 / 8.0);
            if (p.numel() > 1000) Assert.InRange(p.std().ToDouble(), 0.95 / 8 / Math.Sqrt(3), 1.05 / 8 / Math.Sqrt(3));
        }
    }

    [Theory]
    [InlineData(Implementation.Scratch)]
    [InlineData(Implementation.Fused)]
    public void TheSeedAloneDecidesTheInitialWeights(Implementation implementation)
    {
        // Other draws from libtorch's process-wide generator (dropout masks, another runspace) change nothing.
        var spec = Spec(CellType.Gru, implementation, layers: 2);
        using var first = NetworkFactory.Create(spec, seed: 9, CPU);
        random.manual_seed(123);
        using var noise = randn(100);
        using var second = NetworkFactory.Create(spec, seed: 9, CPU);
        Assert.All(first.parameters().Zip(second.parameters()), p => Assert.True(p.First.allclose(p.Second, rtol: 0, atol: 0)));
    }

    public static TheoryData<Implementation, CellType> Everything()
    {
        var data = new TheoryData<Implementation, CellType>();
        foreach (var implementation in Enum.GetValues<Implementation>())
            foreach (var cell in Enum.GetValues<CellType>()) data.Add(implementation, cell);
        return data;
    }

    [Theory]
    [MemberData(nameof(Everything))]
    public void TheStateHoldsHOfEveryLayerThenCAndTheOutputsAreTheTopLayersH(Implementation implementation, CellType cell)
    {
        using var network = NetworkFactory.Create(Spec(cell, implementation, layers: 2), seed: 3, CPU, ScalarType.Float64);
        Randomise(network);
        var (inputs, _, state) = Batch(network);
        var (outputs, final) = network.RunLayers(inputs, state);
        var rows = cell == CellType.Lstm ? 4 : 2;
        Assert.Equal(new long[] { rows, 2, 4 }, final.shape);
        Assert.Equal(new long[] { 3, 2, 4 }, outputs.shape);
        AssertClose(outputs[-1], final[1]);
    }

    [Theory]
    [MemberData(nameof(Everything))]
    public void DropoutActsBetweenLayersInTrainingModeOnly(Implementation implementation, CellType cell)
    {
        using var network = NetworkFactory.Create(Spec(cell, implementation, layers: 2, dropout: 0.5), seed: 3, CPU);
        using var noDropout = NetworkFactory.Create(Spec(cell, implementation, layers: 2), seed: 3, CPU);
        Randomise(network);
        using (no_grad()) foreach (var (a, b) in noDropout.parameters().Zip(network.parameters())) a.copy_(b);
        var (inputs, _, state) = Batch(network);
        network.train();
        Assert.False(network.call(inputs, state).Logits.allclose(network.call(inputs, state).Logits));
        network.eval();
        var evaluated = network.call(inputs, state).Logits;
        AssertClose(evaluated, network.call(inputs, state).Logits, 0);
        // In eval mode the dropout model is the model without dropout.
        AssertClose(noDropout.call(inputs, state).Logits, evaluated, 1e-6);
    }

    [Theory]
    [MemberData(nameof(Everything))]
    public void DropoutHasNothingToActOnWithOneLayer(Implementation implementation, CellType cell)
    {
        using var network = NetworkFactory.Create(Spec(cell, implementation, dropout: 0.5), seed: 3, CPU);
        var (inputs, _, state) = Batch(network);
        network.train();
        var training = network.call(inputs, state).Logits;
        network.eval();
        AssertClose(network.call(inputs, state).Logits, training, 0);
    }

    [Theory]
    [MemberData(nameof(Everything))]
    public void EveryCellTrainsAndEvaluatesThroughTheEngine(Implementation implementation, CellType cell)
    {
        var text = TestData.Text(1500);
        using var model = TestData.Model(implementation, text, hidden: 16, seed: 21, cell: cell, layers: 2, dropout: 0.1);
        var corpus = TestData.Tokens(model, text);
        var options = new TrainingOptions { Epochs = 3, BatchSize = 8, NumSteps = 10, LearningRate = 2 };
        var records = TestData.Train(model, corpus, options).ToList();
        Assert.True(records[^1].Perplexity < records[0].Perplexity, $"perplexity went from {records[0].Perplexity} to {records[^1].Perplexity}");
        Assert.InRange(Evaluator.Perplexity(model, corpus).Perplexity, 1, model.VocabularySize);
        Assert.Equal(5, TextGenerator.Continue(model, corpus[..4], 5, new GenerationOptions()).Length);
        var trace = Evaluator.Trace(model, corpus[..4]);
        Assert.Equal(4, trace.Steps);
        Assert.Equal(2 * (cell == CellType.Lstm ? 2 : 1) * 16, trace.Full(3).Length);
    }
}
