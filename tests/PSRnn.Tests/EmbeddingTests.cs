using PSRnn.Engine.Models;
using PSRnn.Engine.Persistence;
using PSRnn.Engine.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace PSRnn.Tests;

/// <summary>Embedding and tied models (pytorch/examples' word_language_model) against their equations.</summary>
public class EmbeddingTests
{
    private static ModelSpec Spec(Implementation implementation, CellType cell = CellType.Rnn, bool tied = false, int layers = 1, int embedding = 4) =>
        new(cell, implementation, HiddenSize: 4, VocabularySize: 5, layers, Dropout: 0, EmbeddingSize: embedding, TieWeights: tied);

    [Theory]
    [InlineData(Implementation.Fused, false)]
    [InlineData(Implementation.Fused, true)]
    [InlineData(Implementation.Scratch, false)]
    [InlineData(Implementation.Scratch, true)]
    public void AnRnnLayerReadsEmbeddingRowsAndTheOutputLayerIsTheEmbeddingWhenTied(Implementation implementation, bool tied)
    {
        using var network = NetworkFactory.Create(Spec(implementation, tied: tied, embedding: tied ? 4 : 3), seed: 2, CPU, ScalarType.Float64);
        CellKit.Randomise(network);
        network.eval();
        var p = CellKit.Parameters(network);
        var (inputs, _, state) = CellKit.Batch(network);
        var fused = implementation == Implementation.Fused;
        var e = fused ? p["embedding.weight"] : p["W_emb"];
        // Scratch (d2l) multiplies X W (in, out); libtorch h W^T with (out, in) and two biases.
        var wx = fused ? p["rnn.weight_ih_l0"].t() : p["W_xh"];
        var wh = fused ? p["rnn.weight_hh_l0"].t() : p["W_hh"];
        var b = fused ? p["rnn.bias_ih_l0"] + p["rnn.bias_hh_l0"] : p["b_h"];
        var decoder = tied ? e.t() : fused ? p["output.weight"].t() : p["W_hq"];
        var bias = fused ? p["output.bias"] : p["b_q"];
        var h = state[0];
        var expected = new List<Tensor>();
        for (var t = 0; t < inputs.size(0); t++)
        {
            h = tanh(e.index_select(0, inputs[t]).matmul(wx) + h.matmul(wh) + b);
            expected.Add(h.matmul(decoder) + bias);
        }
        var (logits, final) = network.call(inputs, state);
        Assert.True(allclose(cat(expected.ToArray(), 0), logits, rtol: 1e-10, atol: 1e-12));
        Assert.True(allclose(h, final[0], rtol: 1e-10, atol: 1e-12));
        Assert.Equal(tied, !p.ContainsKey(fused ? "output.weight" : "W_hq"));
    }

    [Theory]
    [InlineData(Implementation.Fused)]
    [InlineData(Implementation.Scratch)]
    public void TyingSharesOneTensor_AStepOnTheEmbeddingMovesTheOutputLayer(Implementation implementation)
    {
        using var network = NetworkFactory.Create(Spec(implementation, tied: true), seed: 3, CPU, ScalarType.Float64);
        network.eval();
        var e = CellKit.Parameters(network)[implementation == Implementation.Fused ? "embedding.weight" : "W_emb"];
        using var hidden = randn(new long[] { 1, 3, 4 }, ScalarType.Float64);
        var before = network.Logits(hidden);
        using var delta = randn(e.shape, ScalarType.Float64);
        using var optimizer = optim.SGD(new[] { e }, 0.5);
        e.grad = delta.clone();
        optimizer.step();
        // logits = h E^T + b, so the step -0.5 delta on E moves them by -0.5 h delta^T.
        var expected = before - 0.5 * hidden.reshape(-1, 4).matmul(delta.t());
        Assert.True(allclose(expected, network.Logits(hidden), rtol: 1e-10, atol: 1e-12));
    }

    [Theory]
    [InlineData(Implementation.Fused, CellType.Gru, false, 1)]
    [InlineData(Implementation.Fused, CellType.Lstm, true, 2)]
    [InlineData(Implementation.Scratch, CellType.Rnn, true, 1)]
    [InlineData(Implementation.Scratch, CellType.Lstm, false, 2)]
    public void GradientsEqualCentralFiniteDifferencesInFloat64(Implementation implementation, CellType cell, bool tied, int layers)
    {
        using var network = NetworkFactory.Create(Spec(implementation, cell, tied, layers), seed: 5, CPU, ScalarType.Float64);
        CellKit.Randomise(network);
        Assert.Equal(Spec(implementation, cell, tied, layers).ParameterCount, CellKit.AssertGradientsEqualFiniteDifferences(network));
    }

    [Theory]
    [InlineData(Implementation.Fused, CellType.Rnn, false, 1, 6)]
    [InlineData(Implementation.Fused, CellType.Lstm, true, 3, 7)]
    [InlineData(Implementation.Scratch, CellType.Gru, false, 2, 3)]
    [InlineData(Implementation.Scratch, CellType.Lstm, true, 1, 7)]
    public void TheSpecsParameterCountIsTheNetworks(Implementation implementation, CellType cell, bool tied, int layers, int embedding)
    {
        var spec = new ModelSpec(cell, implementation, HiddenSize: 7, VocabularySize: 11, layers, EmbeddingSize: embedding, TieWeights: tied);
        using var network = NetworkFactory.Create(spec, seed: 1, CPU);
        Assert.Equal(network.parameters().Sum(p => p.numel()), spec.ParameterCount);
    }

    [Theory]
    [InlineData(Implementation.Fused)]
    [InlineData(Implementation.Scratch)]
    public void EmbeddingModelsStartFromPytorchExamplesInitialisation(Implementation implementation)
    {
        var spec = new ModelSpec(CellType.Lstm, implementation, HiddenSize: 50, VocabularySize: 400, EmbeddingSize: 30);
        using var network = NetworkFactory.Create(spec, seed: 1, CPU);
        var p = CellKit.Parameters(network);
        var fused = implementation == Implementation.Fused;
        foreach (var name in new[] { fused ? "embedding.weight" : "W_emb", fused ? "output.weight" : "W_hq" })
        {
            Assert.True(p[name].abs().max().ToDouble() <= 0.1);
            Assert.True(p[name].abs().max().ToDouble() > 0.09, $"{name} spans U(-0.1, 0.1)");
        }
        Assert.Equal(0, p[fused ? "output.bias" : "b_q"].abs().max().ToDouble());
        var recurrent = p[fused ? "rnn.weight_hh_l0" : "W_hi"];
        Assert.True(recurrent.abs().max().ToDouble() is <= 0.1415 and > 0.13, "recurrent weights U(-1/sqrt(h), 1/sqrt(h))");
    }

    [Fact]
    public void TyingNeedsTheEmbeddingAsWideAsTheHiddenLayer()
    {
        var e = Assert.Throws<ParameterConflictException>(() => new ModelSpec(CellType.Rnn, Implementation.Fused, 8, 5, EmbeddingSize: 0, TieWeights: true).Validate());
        Assert.Contains("-EmbeddingSize 8", e.Message);
    }

    [Theory]
    [InlineData(Implementation.Fused, true)]
    [InlineData(Implementation.Scratch, false)]
    public void ExportImportAndResumeAreExact(Implementation implementation, bool tied)
    {
        var text = TestData.Text(2000);
        var options = new PSRnn.Engine.Text.TextOptions();
        var vocabulary = PSRnn.Engine.Text.Vocabulary.Build(options.Tokenize(new[] { text }));
        // No dropout: its masks come from libtorch's process-wide generator, which tests running beside this one also draw from.
        var spec = new ModelSpec(CellType.Gru, implementation, 12, vocabulary.Count, NumLayers: 2, EmbeddingSize: 12, TieWeights: tied);
        using var model = new RnnModel(spec, vocabulary, options, seed: 4, ComputeDevice.Cpu, threads: 1);
        var corpus = TestData.Tokens(model, text);
        var training = new TrainingOptions { Epochs = 1, BatchSize = 4, NumSteps = 10 };
        TestData.Train(model, corpus, training);
        var path = Path.Combine(Path.GetTempPath(), $"psrnn-embedding-{Guid.NewGuid():N}.psrnn");
        try
        {
            ModelFile.Save(model, path, WriteRule.CreateNew);
            using var loaded = ModelFile.Load(path);
            Assert.Equal(spec, loaded.Spec);
            Assert.Equal(PSRnn.Engine.Evaluation.Evaluator.Perplexity(model, corpus).Perplexity,
                         PSRnn.Engine.Evaluation.Evaluator.Perplexity(loaded, corpus).Perplexity);
            var next = TestData.Train(model, corpus, training).Single();
            var resumed = TestData.Train(loaded, corpus, training).Single();
            Assert.Equal(next.Loss, resumed.Loss);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
